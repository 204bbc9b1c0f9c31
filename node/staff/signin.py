"""Console sign-in: password and TOTP code, or single sign-on (node/staff/oidc.py); sessions.

A local account needs both factors. Its first password sign-in (no TOTP secret yet) does
not open a session: it opens a ten-minute *enrolment* step, in which the new secret is
shown (QR code) and one code from the app confirms it; only then is the session opened.

Only SHA-256 digests of session tokens are stored. Attempts are rate-limited as the
learners' are (node/learners/limits.py: per address, per address and account, per
account); a wrong user name, password or code all get the same answer after the same work.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import StaffAccount, StaffRole, StaffSession
from node.learners.errors import PasswordPaused, SignInFailed, TooManyAttempts
from node.learners.limits import LimitSettings, SignInLimits
from node.learners.passwords import verify_password
from node.lookup.limits import Counters
from node.staff import totp
from node.staff.accounts import TotpSeal

CONSOLE = "console"
ENROL = "enrol"
PASSWORD_TOTP = "password+totp"
OIDC = "oidc"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StaffSignInSettings:
    session_ttl: timedelta = timedelta(hours=8)
    enrol_ttl: timedelta = timedelta(minutes=10)
    limits: LimitSettings = field(default_factory=LimitSettings)
    issuer_label: str = "credreg"  # the name an authenticator app shows


@dataclass(frozen=True)
class Opened:
    """A new session: ``token`` goes into the cookie, never into the database."""

    token: str
    account_id: int
    expires_at: datetime


@dataclass(frozen=True)
class Enrolment:
    """Password accepted, no TOTP yet: show ``secret`` (and ``uri`` as a QR code); the
    ``ticket`` and one code from the app open the session."""

    ticket: str
    secret: str
    uri: str
    expires_at: datetime


@dataclass(frozen=True)
class Staff:
    """The member of staff a session cookie belongs to."""

    account_id: int
    username: str
    name: str
    roles: frozenset[StaffRole]
    method: str
    session_token: str

    def has(self, *roles: StaffRole) -> bool:
        return bool(self.roles & set(roles))


class CodeRejected(SignInFailed):
    """A wrong code while setting up TOTP: the same set-up step is shown again."""

    def __init__(self, enrolment: Enrolment) -> None:
        super().__init__("wrong code: enter the code your app shows now")
        self.enrolment = enrolment


class StaffSignIn:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        seal: TotpSeal,
        settings: StaffSignInSettings | None = None,
        *,
        counters: Counters | None = None,
    ) -> None:
        self._sessions = sessions
        self._seal = seal
        self.settings = settings or StaffSignInSettings()
        # Learners' and staff's limits never share a key: the keys carry "staff:".
        self._limits = SignInLimits(self.settings.limits, 600.0, counters=counters)

    def with_password(
        self, username: str, password: str, code: str, client: str
    ) -> Opened | Enrolment:
        username = username.strip().lower()
        try:
            self._limits.password(f"staff:{client}", f"staff:{username}")
        except PasswordPaused as exc:  # staff have no mailed link: just "wait"
            raise TooManyAttempts(exc.retry_after) from None
        with self._sessions() as session:
            account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
            stored = account.password_hash if account is not None else None
            good = verify_password(password, stored)  # the same work for an unknown name
            if account is None or not good or account.disabled_at is not None:
                raise SignInFailed("wrong user name, password or code")
            if account.totp_sealed is None:
                return self._begin_enrolment(session, account)
            secret = self._seal.open(account.id, account.totp_sealed)
            step = totp.accepted_step(secret, code, account.totp_last_step)
            if step is None or not self._spend_step(session, account, step):
                raise SignInFailed("wrong user name, password or code")
            opened = self._open(session, account, PASSWORD_TOTP)
            session.commit()
            return opened

    @staticmethod
    def _spend_step(session: Session, account: StaffAccount, step: int) -> bool:
        """Record the code's step unless a concurrent sign-in spent it (or a later one)."""
        last = account.totp_last_step
        spent = session.execute(
            update(StaffAccount)
            .where(
                StaffAccount.id == account.id,
                StaffAccount.totp_last_step.is_(None)
                if last is None
                else StaffAccount.totp_last_step == last,
            )
            .values(totp_last_step=step)
        )
        return bool(spent.rowcount == 1)  # type: ignore[attr-defined]

    def _begin_enrolment(self, session: Session, account: StaffAccount) -> Enrolment:
        secret = totp.new_secret()
        account.totp_pending = self._seal.seal(account.id, secret)
        ticket = secrets.token_urlsafe(32)
        expires_at = _now() + self.settings.enrol_ttl
        session.add(
            StaffSession(
                account_id=account.id,
                token_hash=token_hash(ticket),
                purpose=ENROL,
                method=PASSWORD_TOTP,
                expires_at=expires_at,
            )
        )
        session.commit()
        uri = totp.provisioning_uri(secret, account.username, self.settings.issuer_label)
        return Enrolment(ticket, secret, uri, expires_at)

    def enrol(self, ticket: str, code: str, client: str) -> Opened:
        """Confirm the new TOTP secret with a code from the app; opens the session."""
        with self._sessions() as session:
            row = self._live(session, ticket, ENROL)
            account = session.get(StaffAccount, row.account_id) if row else None
            if row is None or account is None or account.totp_pending is None:
                raise SignInFailed("this set-up step expired: sign in again")
            try:
                self._limits.password(f"staff:{client}", f"staff:{account.username}")
            except PasswordPaused as exc:
                raise TooManyAttempts(exc.retry_after) from None
            secret = self._seal.open(account.id, account.totp_pending)
            step = totp.accepted_step(secret, code, None)
            if step is None:
                uri = totp.provisioning_uri(secret, account.username, self.settings.issuer_label)
                raise CodeRejected(Enrolment(ticket, secret, uri, row.expires_at))
            account.totp_sealed, account.totp_pending = account.totp_pending, None
            account.totp_last_step = step
            row.revoked_at = _now()
            opened = self._open(session, account, PASSWORD_TOTP)
            session.commit()
            return opened

    def open_for(self, account_id: int, method: str) -> Opened:
        """A session for an account signed in elsewhere (single sign-on)."""
        with self._sessions() as session:
            account = session.get(StaffAccount, account_id)
            if account is None or account.disabled_at is not None:
                raise SignInFailed("this staff account is disabled")
            opened = self._open(session, account, method)
            session.commit()
            return opened

    def _open(self, session: Session, account: StaffAccount, method: str) -> Opened:
        token = secrets.token_urlsafe(32)
        now = _now()
        expires_at = now + self.settings.session_ttl
        session.add(
            StaffSession(
                account_id=account.id,
                token_hash=token_hash(token),
                purpose=CONSOLE,
                method=method,
                expires_at=expires_at,
            )
        )
        account.last_sign_in_at = now
        return Opened(token, account.id, expires_at)

    @staticmethod
    def _live(session: Session, token: str, purpose: str) -> StaffSession | None:
        if not token or len(token) > 200:
            return None
        row = session.scalar(
            select(StaffSession).where(StaffSession.token_hash == token_hash(token))
        )
        if row is None or row.purpose != purpose or row.revoked_at is not None:
            return None
        return row if row.expires_at > _now() else None

    def staff(self, session_token: str | None) -> Staff | None:
        with self._sessions() as session:
            row = self._live(session, session_token or "", CONSOLE)
            if row is None:
                return None
            account = session.get(StaffAccount, row.account_id)
            if account is None or account.disabled_at is not None:
                return None
            roles = frozenset(
                StaffRole(r) for r in account.roles if r in StaffRole._value2member_map_
            )
            assert session_token is not None
            return Staff(
                account.id, account.username, account.name, roles, row.method, session_token
            )

    def sign_out(self, session_token: str) -> None:
        with self._sessions() as session:
            session.execute(
                update(StaffSession)
                .where(
                    StaffSession.token_hash == token_hash(session_token),
                    StaffSession.revoked_at.is_(None),
                )
                .values(revoked_at=_now())
            )
            session.commit()
