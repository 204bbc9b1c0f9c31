"""OpenID4VP verifier: relying parties' presentation requests and their results."""
