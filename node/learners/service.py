"""The learner services one app holds: accounts and sign-in (with its rate limiters)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from node.learners.accounts import LearnerAccounts
from node.learners.portal import Portal
from node.learners.signin import SignIn, SignInSettings
from node.mail.outbox import Outbox


@dataclass(frozen=True)
class Learners:
    sessions: sessionmaker[Session]
    accounts: LearnerAccounts
    sign_in: SignIn
    secure_cookies: bool  # the origin is https
    portal: Portal

    @classmethod
    def build(
        cls,
        sessions: sessionmaker[Session],
        origin: str,
        settings: SignInSettings | None = None,
        *,
        outbox: Outbox,
    ) -> Learners:
        accounts = LearnerAccounts(sessions)
        return cls(
            sessions,
            accounts,
            SignIn(sessions, origin, settings, outbox=outbox),
            origin.startswith("https://"),
            Portal(sessions, accounts),
        )
