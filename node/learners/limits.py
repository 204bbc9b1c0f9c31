"""Sign-in rate limits that a stranger cannot turn into a lock-out.

- **Per client address**: every password attempt and link request (bounds the scrypt work
  and the spraying of many accounts from one address).
- **Per client address and account**: password attempts, and separately link requests —
  wrong passwords from one address stop that address only, never the learner elsewhere.
- **Per account, from all addresses**: password attempts (bounds guessing from many
  addresses). Beyond it only *password* sign-in pauses for that account; asking for a link
  and signing in with it keep working.
- **Sign-in mails per account** per link lifetime: beyond it a request gets the same answer
  but no mail (no mail-bombing). The window is the link lifetime, so whenever a request is
  held back, the links already sent in that window are still valid in the learner's mailbox.

The same keys are used whether or not an account exists: the limits reveal nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from node.learners.errors import PasswordPaused, TooManyAttempts
from node.lookup.limits import Counters, RateLimiter


@dataclass(frozen=True)
class LimitSettings:
    window_seconds: float = 300.0
    per_client: int = 100  # password attempts and link requests per client address
    per_account_client: int = 10  # per client address and account (passwords; links apart)
    per_account: int = 50  # password attempts per account from all addresses
    links_per_account: int = 5  # sign-in mails per account per link lifetime


def _seconds(retry: float) -> int:
    return max(1, math.ceil(retry))


class SignInLimits:
    def __init__(
        self,
        settings: LimitSettings,
        link_lifetime_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        counters: Counters | None = None,
    ) -> None:
        """``counters``: where the hits are counted (shared by every worker process when
        they are the runtime's Redis counters); by default in this process."""
        window = settings.window_seconds

        def limiter(limit: int, seconds: float, name: str) -> RateLimiter:
            return RateLimiter(limit, seconds, clock, counters=counters, name=f"signin-{name}")

        self._client = limiter(settings.per_client, window, "client")
        self._password = limiter(settings.per_account_client, window, "password")
        self._link = limiter(settings.per_account_client, window, "link")
        self._account = limiter(settings.per_account, window, "account")
        self._mails = limiter(settings.links_per_account, link_lifetime_seconds, "mails")

    @staticmethod
    def _hit(limiter: RateLimiter, key: str) -> None:
        retry = limiter.hit(key)
        if retry is not None:
            raise TooManyAttempts(_seconds(retry))

    def password(self, client: str, email: str) -> None:
        """Count a password attempt; raises TooManyAttempts or PasswordPaused (429)."""
        self._hit(self._client, client)
        self._hit(self._password, f"{client}\n{email}")
        retry = self._account.hit(email)
        if retry is not None:
            raise PasswordPaused(_seconds(retry))

    def link(self, client: str, email: str) -> bool:
        """Count a link request (raises TooManyAttempts); False: mail no link this time."""
        self._hit(self._client, client)
        self._hit(self._link, f"{client}\n{email}")
        return self._mails.hit(email) is None
