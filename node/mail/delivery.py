"""Mail delivery over SMTP: the outbox's messages to the institution's mail server.

Nothing lost: a message is marked delivered only after the server accepted it (its answer
to DATA), in its own transaction, so a process that dies mid-way sends what was not marked
again on restart. A message the server accepted just before the process died may go out a
second time — always with the same ``Message-ID`` (derived from the message), which mail
servers and clients use to drop the copy. That is the most SMTP allows: it has no
transactions a database could join.

Failures: a temporary one (the server cannot be reached, a 4xx answer, TLS not offered) is
tried again with back-off — 30 s, doubling, at most 1 h — up to ``mail_max_attempts``, and
so is any failure of the conversation itself (a refused login, no STARTTLS: the operator's
to fix); a 5xx answer to a recipient or to the message gives up on that message at once.
Either way the row keeps the server's last answer (``credreg mail status``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from node.background import Loop
from node.errors import NodeError
from node.mail.outbox import Mail, Outbox
from node.settings import Settings

FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
_LINK = re.compile(r"(https?://\S+)")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # none | starttls | tls
    user: str | None
    password: str | None
    timeout: float
    sender: str
    ca_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The settings' SMTP server; None when no host is set (mail stays queued)."""
        if not settings.smtp_host:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        host = urlsplit(settings.origin).hostname or "localhost"
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or _DEFAULT_PORTS[settings.smtp_security],
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=password,
            timeout=settings.smtp_timeout_seconds,
            sender=settings.mail_from or f"no-reply@{host}",
            ca_file=settings.smtp_ca_file,
        )


class Connection(Protocol):
    def send_message(self, message: EmailMessage) -> object: ...


class SmtpTransport:
    """One SMTP conversation per delivery round (TLS and AUTH as configured)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        config = self.config
        context = ssl.create_default_context(cafile=config.ca_file)
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=context)  # SMTPNotSupportedError when not offered
            if config.user:
                smtp.login(config.user, config.password or "")
            yield smtp


def compose(mail: Mail, sender: str) -> EmailMessage:
    """The message as sent: plain text and an HTML alternative with the same words."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(mail, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.set_content(mail.body)
    message.add_alternative(_html(mail.subject, mail.body), subtype="html")
    return message


def message_id(mail: Mail, sender: str) -> str:
    """The same for every try of one message (so a copy sent twice can be dropped)."""
    digest = hashlib.sha256(f"{mail.recipient}\x00{mail.subject}\x00{mail.body}".encode())
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<outbox-{mail.id}.{digest.hexdigest()[:20]}@{domain}>"


def _html(subject: str, body: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    rendered = "\n".join(f"<p>{_linked(p)}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n<body>\n{rendered}\n</body></html>\n"
    )


def _linked(paragraph: str) -> str:
    parts = _LINK.split(paragraph)
    out = []
    for n, part in enumerate(parts):
        text = html.escape(part)
        out.append(f'<a href="{text}">{text}</a>' if n % 2 else text.replace("\n", "<br>\n"))
    return "".join(out)


def _permanent(exc: Exception) -> bool:
    """A 5xx answer (or a message that cannot be written): trying again will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, ValueError):
        return True
    return isinstance(code, int) and code >= 500


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {reply.decode(errors='replace')}"
            for rcpt, (code, reply) in exc.recipients.items()
        )
    code, reply = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", None)
    if code is not None:
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{code} {text}"
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class RoundResult:
    sent: int
    retrying: int
    failed: int


class MailDelivery:
    """Sends what the outbox holds; one round per :meth:`run_once`."""

    def __init__(
        self,
        outbox: Outbox,
        transport: Callable[[], AbstractContextManager[Connection]],
        sender: str,
        *,
        max_attempts: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._connect = transport
        self._sender = sender
        self._max_attempts = max_attempts
        self._clock = clock

    def run_once(self, limit: int = 100) -> RoundResult:
        mails = self._outbox.pending(limit, now=self._clock())
        if not mails:
            return RoundResult(0, 0, 0)
        sent, done = 0, 0
        retrying = failed = 0
        try:
            with self._connect() as connection:
                for mail in mails:
                    try:
                        connection.send_message(compose(mail, self._sender))
                    except (
                        smtplib.SMTPRecipientsRefused,
                        smtplib.SMTPDataError,
                        ValueError,
                    ) as exc:
                        gave_up = self._failed(mail, exc, permanent=_permanent(exc))
                        failed, retrying = failed + gave_up, retrying + (not gave_up)
                    else:
                        self._outbox.delivered(mail.id)
                        sent += 1
                    done += 1
        except (OSError, smtplib.SMTPException) as exc:
            # The conversation broke (or never started): what it did not finish waits.
            # Never permanent: a refused login or TLS setting is the operator's to fix.
            for mail in mails[done:]:
                gave_up = self._failed(mail, exc, permanent=False)
                failed, retrying = failed + gave_up, retrying + (not gave_up)
        return RoundResult(sent, retrying, failed)

    def _failed(self, mail: Mail, exc: Exception, *, permanent: bool) -> bool:
        """Record a failed try; True when it gave up."""
        attempts = mail.attempts + 1
        if permanent or attempts >= self._max_attempts:
            self._outbox.attempt_failed(mail.id, _describe(exc), None)
            return True
        delay = min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)
        self._outbox.attempt_failed(mail.id, _describe(exc), self._clock() + delay)
        return False


class DeliveryLoop(Loop):
    """Runs delivery rounds in a background thread until stopped."""

    name = "mail-delivery"

    def __init__(self, delivery: MailDelivery, poll: float = 5.0) -> None:
        super().__init__(poll)
        self._delivery = delivery

    def tick(self) -> None:
        try:
            result = self._delivery.run_once()
        except (NodeError, SQLAlchemyError) as exc:  # the database, a sealed body
            log.error("mail delivery round failed: %s", exc)
        else:
            if result.retrying or result.failed:
                log.warning("mail: %d sent, %d to retry, %d failed", *dataclasses.astuple(result))
