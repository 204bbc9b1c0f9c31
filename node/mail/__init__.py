"""Mail the node hands to the institution's mailer (the outbox)."""
