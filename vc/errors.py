"""Errors raised by the VC library.

VCError
├── UnknownContextError   a JSON-LD context that is not bundled (never fetched)
├── UndefinedTermError    properties or types that do not expand to IRIs
├── MalformedError        input that is not a credential of the expected shape
│   └── LimitExceeded     input over a work limit (too many proofs, too deep, too large, …)
└── KeyResolutionError    a verification method that cannot be resolved
"""

from __future__ import annotations

__all__ = [
    "KeyResolutionError",
    "LimitExceeded",
    "MalformedError",
    "UndefinedTermError",
    "UnknownContextError",
    "VCError",
]


class VCError(Exception):
    """Base class of every error raised by :mod:`vc`."""


class UnknownContextError(VCError):
    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context (not bundled, never fetched): {url}")
        self.url = url


class UndefinedTermError(VCError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("undefined JSON-LD terms: " + ", ".join(problems))
        self.problems = problems


class MalformedError(VCError):
    """Input that cannot be processed at all (not a verification failure)."""


class LimitExceeded(MalformedError):
    """Input refused before the costly steps: it is over one of the verifier's limits."""

    def __init__(self, element: str, reason: str) -> None:
        super().__init__(f"{element}: {reason}")
        self.element = element
        self.reason = reason


class KeyResolutionError(VCError):
    """A verification method that cannot be resolved to a public key."""
