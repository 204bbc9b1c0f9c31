"""The tamper-evident audit trail of staff and API actions (node/audit/log.py)."""
