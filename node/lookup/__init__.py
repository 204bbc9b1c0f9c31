"""Public verification for employers: credential summaries, hash lookup, share links,
rate limits (issue 6; docs/verification.md)."""
