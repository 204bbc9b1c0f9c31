"""The mail outbox: messages for the institution's mailer, sealed at rest.

What the node mails carries one-time secrets (an offer page link with its pre-authorized
code, a sign-in link), so a copy of the database must not hand them out. A body is stored
only as AES-256-GCM ciphertext under the key store's outbox key (which never enters the
database), bound to its recipient and subject as associated data, and only for as long as
delivery needs it:

- a mailer (node/mail/delivery.py) takes :meth:`Outbox.pending` (unsealed in memory), sends
  each message and calls :meth:`Outbox.delivered`, which records the time and erases the
  sealed body — or :meth:`Outbox.attempt_failed`, which sets the next try or gives up;
- a body whose secret has expired is erased unsent (:meth:`Outbox.erase_expired`): there is
  nothing left worth delivering.

The row (recipient, subject, times) stays as the record of what was sent.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import MailOutbox
from node.errors import Conflict

OUTBOX_KEY_NAME = "mail-outbox"  # in the key store (node/keys), created on first use
_VERSION = "v1:"


@dataclass(frozen=True)
class Mail:
    """A message as the mailer sends it."""

    id: int
    recipient: str
    subject: str
    body: str
    offer_id: str | None
    expires_at: datetime | None
    attempts: int = 0  # failed tries so far


def _associated(recipient: str, subject: str) -> bytes:
    # A sealed body moved onto another row (another recipient) does not open.
    return f"{recipient}\x00{subject}".encode()


class Outbox:
    def __init__(self, sessions: sessionmaker[Session], key: Callable[[], bytes]) -> None:
        """``key``: the 256-bit outbox key, asked for only when a body is sealed or opened
        (so a process that never mails never opens the key store)."""
        self._sessions = sessions
        self._key = key

    def add(
        self,
        session: Session,
        recipient: str,
        subject: str,
        body: str,
        *,
        expires_at: datetime | None,
        offer_id: str | None = None,
    ) -> MailOutbox:
        """Queue a message in the caller's transaction (the caller commits)."""
        nonce = os.urandom(12)
        sealed = AESGCM(self._key()).encrypt(
            nonce, body.encode("utf-8"), _associated(recipient, subject)
        )
        row = MailOutbox(
            recipient=recipient,
            subject=subject,
            sealed_body=_VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii"),
            offer_id=offer_id,
            expires_at=expires_at,
        )
        session.add(row)
        return row

    def pending(self, limit: int = 100, now: datetime | None = None) -> list[Mail]:
        """Messages not yet delivered whose secret is still good and whose next try is due,
        oldest first."""
        now = now or datetime.now(UTC)
        self.erase_expired(now)
        with self._sessions() as session:
            rows = session.scalars(
                select(MailOutbox)
                .where(
                    MailOutbox.sent_at.is_(None),
                    MailOutbox.failed_at.is_(None),
                    MailOutbox.sealed_body.is_not(None),
                    or_(MailOutbox.next_attempt_at.is_(None), MailOutbox.next_attempt_at <= now),
                )
                .order_by(MailOutbox.id)
                .limit(limit)
            )
            return [self._open(row) for row in rows]

    def attempt_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> int:
        """Count a failed try; ``retry_at`` None: give up (the body is erased, the row says
        why). Returns the attempts so far."""
        with self._sessions() as session:
            row = session.get_one(MailOutbox, mail_id)
            row.attempts += 1
            row.last_error = error[:500]
            row.next_attempt_at = retry_at
            if retry_at is None:
                row.failed_at = datetime.now(UTC)
                row.sealed_body = None
            session.commit()
            return row.attempts

    def counts(self) -> dict[str, int]:
        """How many messages are waiting, sent, failed, and expired unsent."""
        state = case(
            (MailOutbox.sent_at.is_not(None), "sent"),
            (MailOutbox.failed_at.is_not(None), "failed"),
            (MailOutbox.sealed_body.is_(None), "expired"),
            else_="waiting",
        )
        counts = dict.fromkeys(("waiting", "sent", "failed", "expired"), 0)
        with self._sessions() as session:
            for name, n in session.execute(select(state, func.count()).group_by(state)):
                counts[name] = n
        return counts

    def failures(self, limit: int = 20) -> list[MailOutbox]:
        """The latest messages that failed at least once (given up or retrying), newest
        first: what the operator must look at."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(MailOutbox)
                    .where(MailOutbox.last_error.is_not(None), MailOutbox.sent_at.is_(None))
                    .order_by(MailOutbox.id.desc())
                    .limit(limit)
                )
            )

    def delivered(self, mail_id: int) -> bool:
        """Record the delivery and erase the body; False if it was already delivered."""
        with self._sessions() as session:
            done = session.execute(
                update(MailOutbox)
                .where(MailOutbox.id == mail_id, MailOutbox.sent_at.is_(None))
                .values(sent_at=datetime.now(UTC), sealed_body=None, next_attempt_at=None)
            )
            session.commit()
            return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def erase_expired(self, now: datetime | None = None) -> int:
        """Erase the bodies whose secret (offer code, sign-in link) has expired."""
        with self._sessions() as session:
            erased = session.execute(
                update(MailOutbox)
                .where(
                    MailOutbox.sealed_body.is_not(None),
                    MailOutbox.expires_at <= (now or datetime.now(UTC)),
                )
                .values(sealed_body=None)
            )
            session.commit()
            return int(erased.rowcount)  # type: ignore[attr-defined]

    def _open(self, row: MailOutbox) -> Mail:
        sealed = row.sealed_body or ""
        try:
            if not sealed.startswith(_VERSION):
                raise ValueError("unknown format")
            raw = base64.urlsafe_b64decode(sealed[len(_VERSION) :])
            body = AESGCM(self._key()).decrypt(
                raw[:12], raw[12:], _associated(row.recipient, row.subject)
            )
        except (ValueError, InvalidTag):
            raise Conflict(
                f"mail {row.id} cannot be opened with this node's outbox key "
                f"({OUTBOX_KEY_NAME} in the key store)"
            ) from None
        return Mail(
            row.id,
            row.recipient,
            row.subject,
            body.decode("utf-8"),
            row.offer_id,
            row.expires_at,
            row.attempts,
        )
