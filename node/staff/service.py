"""The staff services one app holds: accounts, console sign-in (with its rate limiters) and
the sign-in forms' CSRF tokens (the learners' signed double submit, node/learners/csrf.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from node.learners.csrf import FormTokens, form_secret
from node.learners.service import sign_in_settings
from node.lookup.limits import Counters
from node.settings import Settings
from node.staff.accounts import StaffAccounts, TotpSeal
from node.staff.oidc import SingleSignOn, sso_settings
from node.staff.signin import StaffSignIn, StaffSignInSettings


@dataclass(frozen=True)
class StaffServices:
    accounts: StaffAccounts
    sign_in: StaffSignIn
    forms: FormTokens
    secure_cookies: bool  # the origin is https
    sso: SingleSignOn | None  # the institution's OpenID Provider, when configured
    sso_name: str  # "Sign in with …"

    @classmethod
    def build(
        cls,
        sessions: sessionmaker[Session],
        settings: Settings,
        totp_key: Callable[[], bytes],
        *,
        counters: Counters | None = None,
    ) -> StaffServices:
        label = urlsplit(settings.origin).hostname or "credreg"
        sign_in = StaffSignInSettings(
            session_ttl=timedelta(hours=settings.staff_session_hours),
            limits=sign_in_settings(settings).limits,
            issuer_label=label,
        )
        return cls(
            StaffAccounts(sessions),
            StaffSignIn(sessions, TotpSeal(totp_key), sign_in, counters=counters),
            FormTokens(form_secret(settings.data_dir)),
            settings.origin.startswith("https://"),
            SingleSignOn(sessions, sso) if (sso := sso_settings(settings)) else None,
            settings.oidc_display_name,
        )
