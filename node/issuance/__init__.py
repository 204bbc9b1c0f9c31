"""Issuing micro-credentials: validation, idempotent records, signing, persistence."""
