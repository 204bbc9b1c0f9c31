"""Errors of the learner sign-in (NodeError subclasses; mapped in one place)."""

from __future__ import annotations

from node.errors import NodeError, Unauthorized


class SignInFailed(Unauthorized):
    """Wrong e-mail or password, or an unknown, used or expired sign-in link: one answer."""

    code = "sign_in_failed"


class TooManyAttempts(NodeError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts: try again in {retry_after} s")
        self.retry_after = retry_after
