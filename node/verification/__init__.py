"""The verification pipeline: a report of named checks (docs/architecture.md)."""

from node.verification.pipeline import CHECK_NAMES, Check, Report, Verifier

__all__ = ["CHECK_NAMES", "Check", "Report", "Verifier"]
