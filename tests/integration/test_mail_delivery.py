"""Mail leaves the node: the outbox delivered to a real SMTP server (aiosmtpd), retried with
back-off while the server is down, given up on a permanent refusal, never sent twice."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from node.db.models import MailOutbox
from node.mail.delivery import DeliveryLoop, MailDelivery, SmtpConfig, SmtpTransport
from tests.anvil import free_port
from tests.conftest import PASSPHRASE, RunningNode, make_settings, start_node
from tests.e2e.test_serve import run_credreg
from tests.e2e.tls import make_test_tls

REFUSED = "nobody@uni-a.example"


class Inbox:
    """The SMTP server's side: every message it accepted, as parsed mail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


class SmtpServer:
    def __init__(self, port: int, **options: Any) -> None:
        self.port = port
        self.inbox = Inbox()
        self._options = options  # aiosmtpd's: tls_context, ssl_context, authenticator …
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self._options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailing_node(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Iterator[RunningNode]:
    settings = make_settings(
        tmp_path / "data",
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        mail_from="registrar@uni-a.example",
        mail_max_attempts=3,
    )
    running = start_node(settings)
    with running.client:
        yield running
    running.runtime.close()


def _sign_in_link_for(node: RunningNode, email: str) -> int:
    response = node.client.post(
        "/admin/learners",
        json={"email": email, "name": "Mikko Tamm", "send_sign_in_link": True},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    outbox_id: int = response.json()["outbox_id"]
    return outbox_id


def _delivery(node: RunningNode, now: datetime | None = None) -> MailDelivery:
    """The node's delivery; ``now``: the same, with its clock at ``now``."""
    delivery = node.runtime.mail_delivery()
    config = SmtpConfig.from_settings(node.settings)
    assert delivery is not None and config is not None
    if now is None:
        return delivery
    return MailDelivery(
        node.runtime.outbox(),
        SmtpTransport(config).connect,
        config.sender,
        max_attempts=node.settings.mail_max_attempts,
        clock=lambda: now,
    )


def _row(node: RunningNode, mail_id: int) -> MailOutbox:
    with node.runtime.sessions() as session:
        row = session.scalars(select(MailOutbox).where(MailOutbox.id == mail_id)).one()
        session.expunge(row)
        return row


def test_a_sign_in_link_is_delivered_once_as_text_and_html(
    mailing_node: RunningNode, smtp: SmtpServer
) -> None:
    mail_id = _sign_in_link_for(mailing_node, "learner@example.org")
    result = _delivery(mailing_node).run_once()
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)

    [message] = smtp.inbox.messages
    assert smtp.inbox.envelopes == [("registrar@uni-a.example", ["learner@example.org"])]
    assert message["To"] == "learner@example.org"
    assert message["From"] == "registrar@uni-a.example"
    assert message["Subject"] == "Your sign-in link"
    assert message["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<outbox-\d+\.[0-9a-f]{20}@uni-a\.example>", message["Message-ID"])
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    link = re.search(r"https://uni-a\.example/learner/link/\S+", text.get_content())
    assert link, text.get_content()
    assert f'<a href="{link.group(0)}">' in html.get_content()

    row = _row(mailing_node, mail_id)
    assert row.sent_at is not None and row.sealed_body is None  # the secret is gone
    # Another round sends nothing: no copy.
    assert _delivery(mailing_node).run_once().sent == 0
    assert len(smtp.inbox.messages) == 1
    assert mailing_node.runtime.outbox().counts()["sent"] == 1


def test_the_offer_mail_goes_out_in_the_learners_language(
    mailing_node: RunningNode, smtp: SmtpServer
) -> None:
    claims_response = mailing_node.client.post(
        "/admin/credentials",
        json={"claims": _claims(), "issue": True, "formats": ["jwt_vc_json"]},
        headers=mailing_node.auth(),
    )
    assert claims_response.status_code == 201, claims_response.text
    record_id = claims_response.json()["id"]
    offer = mailing_node.client.post(
        f"/admin/credentials/{record_id}/offers",
        json={"email": "learner@example.org"},
        headers=mailing_node.auth(),
    )
    assert offer.status_code == 201, offer.text
    assert _delivery(mailing_node).run_once().sent == 1
    [message] = smtp.inbox.messages
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert "https://uni-a.example/" in content
    # The PIN is never mailed with the offer.
    pin = offer.json()["tx_code"]
    assert isinstance(pin, str) and pin.isdigit() and pin not in content


def test_a_server_that_is_down_is_retried_with_back_off_and_nothing_is_lost(
    mailing_node: RunningNode, smtp: SmtpServer
) -> None:
    smtp.stop()
    mail_id = _sign_in_link_for(mailing_node, "learner@example.org")
    started = datetime.now(UTC)
    result = _delivery(mailing_node).run_once()
    assert (result.sent, result.retrying, result.failed) == (0, 1, 0)
    row = _row(mailing_node, mail_id)
    assert row.attempts == 1 and row.failed_at is None and row.sealed_body is not None
    assert row.last_error and "Connection" in row.last_error
    assert row.next_attempt_at is not None
    assert started + timedelta(seconds=29) <= row.next_attempt_at <= started + timedelta(minutes=1)
    # Not due yet: the next round does not try.
    smtp.start()
    assert _delivery(mailing_node).run_once().sent == 0
    assert smtp.inbox.messages == []
    # Due: delivered exactly once.
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert _delivery(mailing_node, later).run_once().sent == 1
    assert len(smtp.inbox.messages) == 1
    assert _row(mailing_node, mail_id).sent_at is not None


def test_a_permanent_refusal_gives_up_at_once_and_keeps_the_reason(
    mailing_node: RunningNode, smtp: SmtpServer
) -> None:
    refused = _sign_in_link_for(mailing_node, REFUSED)
    fine = _sign_in_link_for(mailing_node, "learner@example.org")
    result = _delivery(mailing_node).run_once()
    assert (result.sent, result.retrying, result.failed) == (1, 0, 1)
    row = _row(mailing_node, refused)
    assert row.failed_at is not None and row.sealed_body is None
    assert row.last_error is not None and "550" in row.last_error
    assert _row(mailing_node, fine).sent_at is not None
    assert [m["To"] for m in smtp.inbox.messages] == ["learner@example.org"]
    counts = mailing_node.runtime.outbox().counts()
    assert counts == {"waiting": 0, "sent": 1, "failed": 1, "expired": 0}


def test_after_the_last_attempt_the_mail_is_marked_failed(
    mailing_node: RunningNode, smtp: SmtpServer
) -> None:
    smtp.stop()
    mail_id = _sign_in_link_for(mailing_node, "learner@example.org")
    now = datetime.now(UTC)
    for minutes in (0, 1, 3):  # mail_max_attempts = 3; back-off 30 s, then 60 s
        _delivery(mailing_node, now + timedelta(minutes=minutes)).run_once()
    row = _row(mailing_node, mail_id)
    assert row.attempts == 3 and row.failed_at is not None and row.sealed_body is None
    assert _delivery(mailing_node, now + timedelta(minutes=5)).run_once().sent == 0


def test_cli_mail_status_and_send(tmp_path: Path, smtp: SmtpServer) -> None:
    data = tmp_path / "data"
    env = {
        "CREDREG_DATA_DIR": str(data),
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_SMTP_HOST": "127.0.0.1",
        "CREDREG_SMTP_PORT": str(smtp.port),
        "CREDREG_SMTP_SECURITY": "none",
        "CREDREG_CHAIN": "off",
        "PATH": "/usr/bin:/bin",
    }

    def credreg(*args: str) -> subprocess.CompletedProcess[str]:
        return run_credreg(env, *args)

    init = credreg("init", "--name", "Uni A", "--country", "FI", "--origin", "https://a.example")
    assert init.returncode == 0, init.stderr
    added = credreg("learner", "add", "--email", "l@example.org", "--name", "L", "--send-link")
    assert added.returncode == 0, added.stderr
    status = credreg("mail", "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["counts"]["waiting"] == 1
    sent = credreg("mail", "send")
    assert sent.returncode == 0, sent.stderr
    assert "sent 1" in sent.stdout
    assert [m["To"] for m in smtp.inbox.messages] == ["l@example.org"]
    assert json.loads(credreg("mail", "status", "--json").stdout)["counts"]["sent"] == 1


def _claims() -> dict[str, Any]:
    from node.credentials.examples import example_claims

    return example_claims(1)


def test_the_background_loop_delivers_while_the_node_runs(
    mailing_node: RunningNode, smtp: SmtpServer
) -> None:
    _sign_in_link_for(mailing_node, "learner@example.org")
    loop = DeliveryLoop(_delivery(mailing_node), poll=0.05)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while not smtp.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.stop()
    assert [m["To"] for m in smtp.inbox.messages] == ["learner@example.org"]


def _registrar_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"registrar",
        b"s3cret",
    )
    return AuthResult(success=ok)


def _tls_node(tmp_path: Path, port: int, ca: Path, **overrides: object) -> RunningNode:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'node.db'}",
        smtp_host="localhost",
        smtp_port=port,
        smtp_ca_file=ca,
        smtp_user="registrar",
        mail_from="registrar@uni-a.example",
        **overrides,
    )
    from node.db.engine import make_engine, migrate

    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    engine.dispose()
    return start_node(settings)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_login_as_configured(tmp_path: Path, security: str) -> None:
    files = make_test_tls(tmp_path / "tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    tls = {"tls_context": context, "require_starttls": True} if security == "starttls" else {}
    implicit = {"ssl_context": context} if security == "tls" else {}
    server = SmtpServer(
        free_port(),
        authenticator=_registrar_login,
        # aiosmtpd offers AUTH only after its own STARTTLS; under SMTPS it is TLS already.
        auth_require_tls=security == "starttls",
        **tls,
        **implicit,
    )
    server.start()
    try:
        node = _tls_node(
            tmp_path, server.port, files.ca, smtp_security=security, smtp_password="s3cret"
        )
        with node.client:
            mail_id = _sign_in_link_for(node, "learner@example.org")
            result = _delivery(node).run_once()
            assert result.sent == 1, _row(node, mail_id).last_error
        node.runtime.close()
    finally:
        server.stop()
    assert [m["To"] for m in server.inbox.messages] == ["learner@example.org"]


def test_a_refused_login_or_missing_starttls_waits_for_the_operator(tmp_path: Path) -> None:
    files = make_test_tls(tmp_path / "tls")
    server = SmtpServer(free_port())  # offers no STARTTLS
    server.start()
    try:
        node = _tls_node(
            tmp_path, server.port, files.ca, smtp_security="starttls", smtp_password="wrong"
        )
        with node.client:
            mail_id = _sign_in_link_for(node, "learner@example.org")
            result = _delivery(node).run_once()
            row = _row(node, mail_id)
        node.runtime.close()
    finally:
        server.stop()
    assert (result.sent, result.retrying, result.failed) == (0, 1, 0)
    assert row.failed_at is None and row.last_error and "STARTTLS" in row.last_error
    assert server.inbox.messages == []


def test_an_untrusted_server_certificate_is_refused(tmp_path: Path) -> None:
    files = make_test_tls(tmp_path / "tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    server = SmtpServer(free_port(), tls_context=context, require_starttls=True)
    server.start()
    other_ca = make_test_tls(tmp_path / "other").ca  # not the CA that signed the server's
    try:
        node = _tls_node(tmp_path, server.port, other_ca, smtp_security="starttls")
        with node.client:
            mail_id = _sign_in_link_for(node, "learner@example.org")
            assert _delivery(node).run_once().retrying == 1
            row = _row(node, mail_id)
        node.runtime.close()
    finally:
        server.stop()
    assert row.last_error and "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert server.inbox.messages == []
