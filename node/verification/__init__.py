"""The verification pipeline: a report of named checks (DESIGN.md, "Verification pipeline")."""

from node.verification.pipeline import CHECK_NAMES, Check, Report, Verifier

__all__ = ["CHECK_NAMES", "Check", "Report", "Verifier"]
