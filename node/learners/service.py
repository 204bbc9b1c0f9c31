"""The learner services one app holds: accounts, sign-in (with its rate limiters) and the
sign-in forms' CSRF tokens (signed with the node's form secret, node/learners/csrf.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from node.learners.accounts import LearnerAccounts
from node.learners.csrf import FormTokens, form_secret
from node.learners.limits import LimitSettings
from node.learners.portal import Portal
from node.learners.signin import SignIn, SignInSettings
from node.lookup.limits import Counters
from node.mail.outbox import Outbox
from node.settings import Settings


def sign_in_settings(settings: Settings) -> SignInSettings:
    return SignInSettings(
        limits=LimitSettings(
            window_seconds=settings.learner_sign_in_window_seconds,
            per_client=settings.learner_sign_in_per_client,
            per_account_client=settings.learner_sign_in_per_account_client,
            per_account=settings.learner_sign_in_per_account,
            links_per_account=settings.learner_sign_in_mails_per_account,
        )
    )


@dataclass(frozen=True)
class Learners:
    sessions: sessionmaker[Session]
    accounts: LearnerAccounts
    sign_in: SignIn
    forms: FormTokens
    secure_cookies: bool  # the origin is https
    portal: Portal

    @classmethod
    def build(
        cls,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        outbox: Outbox,
        counters: Counters | None = None,
    ) -> Learners:
        """Reads (or makes, once) ``<data_dir>/forms.key``. ``counters``: the sign-in limits'
        store (the runtime's, shared by every worker process when Redis is configured)."""
        origin = settings.origin
        accounts = LearnerAccounts(sessions)
        return cls(
            sessions,
            accounts,
            SignIn(sessions, origin, sign_in_settings(settings), outbox=outbox, counters=counters),
            FormTokens(form_secret(settings.data_dir)),
            origin.startswith("https://"),
            Portal(sessions, accounts),
        )
