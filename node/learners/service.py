"""The learner services one app holds: accounts and sign-in (with its rate limiters)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from node.learners.accounts import LearnerAccounts
from node.learners.signin import SignIn, SignInSettings


@dataclass(frozen=True)
class Learners:
    sessions: sessionmaker[Session]
    accounts: LearnerAccounts
    sign_in: SignIn
    secure_cookies: bool  # the origin is https

    @classmethod
    def build(
        cls, sessions: sessionmaker[Session], origin: str, settings: SignInSettings | None = None
    ) -> Learners:
        return cls(
            sessions,
            LearnerAccounts(sessions),
            SignIn(sessions, origin, settings),
            origin.startswith("https://"),
        )
