"""Errors of the learner sign-in (NodeError subclasses; mapped in one place)."""

from __future__ import annotations

from node.errors import NodeError, Unauthorized


class SignInFailed(Unauthorized):
    """Wrong e-mail or password, or an unknown, used or expired sign-in link: one answer."""

    code = "sign_in_failed"


class TooManyAttempts(NodeError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str = "") -> None:
        super().__init__(message or f"too many sign-in attempts: try again in {retry_after} s")
        self.retry_after = retry_after


class PasswordPaused(TooManyAttempts):
    """Many password attempts on one account from many addresses: password sign-in waits;
    the mailed sign-in link still works."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            f"password sign-in for this address is paused for {retry_after} s: "
            "ask for a sign-in link instead",
        )
