"""Staff accounts: created by ``credreg staff create`` or the console's administrators,
provisioned on first single sign-on, their roles, password and TOTP secret.

A TOTP secret is stored sealed (AES-256-GCM under the key store's ``staff-totp`` key, the
account id as associated data: a sealed secret copied onto another account does not open).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import StaffAccount, StaffRole
from node.errors import Conflict, InvalidInput, NotFound, Problem
from node.learners.passwords import hash_password

TOTP_KEY_NAME = "staff-totp"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
_VERSION = "v1:"


def _now() -> datetime:
    return datetime.now(UTC)


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidInput(
            "user name refused",
            [Problem("username", "2 to 100 of a-z 0-9 . _ @ -, starting with a letter or digit")],
        )
    return name


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 300:
        raise InvalidInput("name refused", [Problem("name", "1 to 300 characters")])
    return name


def check_roles(roles: Iterable[str]) -> list[str]:
    """Known roles, each once, in the order of :class:`StaffRole`."""
    given = set(roles)
    unknown = given - {r.value for r in StaffRole}
    if unknown:
        known = ", ".join(r.value for r in StaffRole)
        raise InvalidInput(
            "roles refused", [Problem("roles", f"unknown {sorted(unknown)}; known: {known}")]
        )
    return [r.value for r in StaffRole if r.value in given]


def roles_of(stored: Iterable[str]) -> tuple[StaffRole, ...]:
    """The known roles of a stored list (a role renamed away is ignored, never fatal)."""
    known = {r.value for r in StaffRole}
    return tuple(StaffRole(r) for r in stored if r in known)


@dataclass(frozen=True)
class StaffInfo:
    """What may be shown about an account (never its password hash or TOTP secret)."""

    id: int
    username: str
    name: str
    email: str | None
    roles: tuple[StaffRole, ...]
    has_password: bool
    has_totp: bool
    single_sign_on: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    disabled_at: datetime | None

    @classmethod
    def of(cls, row: StaffAccount) -> StaffInfo:
        return cls(
            row.id,
            row.username,
            row.name,
            row.email,
            roles_of(row.roles),
            row.password_hash is not None,
            row.totp_sealed is not None,
            row.oidc_subject is not None,
            row.created_at,
            row.last_sign_in_at,
            row.disabled_at,
        )


class TotpSeal:
    """Seals and opens TOTP secrets; the key is asked for only when one is used."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key = key

    def seal(self, account_id: int, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._key()).encrypt(nonce, secret.encode(), str(account_id).encode())
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, account_id: int, sealed: str) -> str:
        if not sealed.startswith(_VERSION):
            raise ValueError("unknown TOTP seal version")
        raw = base64.urlsafe_b64decode(sealed.removeprefix(_VERSION))
        try:
            plain = AESGCM(self._key()).decrypt(raw[:12], raw[12:], str(account_id).encode())
        except InvalidTag:
            raise ValueError(
                f"the TOTP secret of staff account {account_id} does not open"
            ) from None
        return plain.decode()


class StaffAccounts:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        username: str,
        name: str,
        roles: Iterable[str],
        *,
        email: str | None = None,
        password: str | None = None,
    ) -> StaffInfo:
        """A local account; with no password it can sign in only through single sign-on
        (once linked) until an administrator sets one."""
        username, name, checked = check_username(username), check_name(name), check_roles(roles)
        hashed = hash_password(password) if password is not None else None
        with self._sessions() as session:
            if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
                raise Conflict(f"a staff account {username!r} exists already")
            row = StaffAccount(
                username=username,
                name=name,
                email=email.strip().lower() if email else None,
                roles=checked,
                password_hash=hashed,
            )
            session.add(row)
            session.commit()
            return StaffInfo.of(row)

    def all(self) -> list[StaffInfo]:
        with self._sessions() as session:
            rows = session.scalars(select(StaffAccount).order_by(StaffAccount.username))
            return [StaffInfo.of(r) for r in rows]

    def get(self, account_id: int) -> StaffInfo:
        with self._sessions() as session:
            return StaffInfo.of(_row(session, account_id))

    def by_username(self, username: str) -> StaffInfo:
        with self._sessions() as session:
            row = session.scalar(
                select(StaffAccount).where(StaffAccount.username == username.strip().lower())
            )
            if row is None:
                raise NotFound(f"no staff account {username!r}")
            return StaffInfo.of(row)

    def set_roles(self, account_id: int, roles: Iterable[str]) -> StaffInfo:
        checked = check_roles(roles)
        with self._sessions() as session:
            row = _row(session, account_id)
            row.roles = checked
            session.commit()
            return StaffInfo.of(row)

    def set_password(self, account_id: int, password: str) -> StaffInfo:
        hashed = hash_password(password)
        with self._sessions() as session:
            row = _row(session, account_id)
            row.password_hash = hashed
            session.commit()
            return StaffInfo.of(row)

    def reset_totp(self, account_id: int) -> StaffInfo:
        """Forget the TOTP secret: the next password sign-in sets up a new one."""
        with self._sessions() as session:
            row = _row(session, account_id)
            row.totp_sealed = row.totp_pending = None
            row.totp_last_step = None
            session.commit()
            return StaffInfo.of(row)

    def set_disabled(self, account_id: int, disabled: bool) -> StaffInfo:
        with self._sessions() as session:
            row = _row(session, account_id)
            if disabled and row.disabled_at is None:
                row.disabled_at = _now()
            elif not disabled:
                row.disabled_at = None
            session.commit()
            return StaffInfo.of(row)


def _row(session: Session, account_id: int) -> StaffAccount:
    row = session.get(StaffAccount, account_id)
    if row is None:
        raise NotFound(f"no staff account {account_id}")
    return row
