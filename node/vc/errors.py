"""Errors raised by the VC library.

VCError
├── UnknownContextError   a JSON-LD context that is not bundled (never fetched)
├── UndefinedTermError    properties or types that do not expand to IRIs
├── MalformedError        input that is not a credential of the expected shape
└── KeyResolutionError    a verification method that cannot be resolved
"""

from __future__ import annotations


class VCError(Exception):
    """Base class of every error raised by :mod:`node.vc`."""


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


class KeyResolutionError(VCError):
    """A verification method that cannot be resolved to a public key."""
