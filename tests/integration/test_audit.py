"""The tamper-evident audit trail, on SQLite and PostgreSQL: staff and API actions become
hash-chained entries, the head is anchored with the anchor rounds, and verification finds a
changed, a removed or a consistently rewritten entry; appends from many threads keep one
unbroken chain; ``credreg audit verify`` says so with its exit code."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
import sqlalchemy as sa

from node.api.audit_http import AuditTrail
from node.audit.log import AuditLog, entry_hash
from node.credentials.examples import example_claims
from node.db.models import AuditAnchor, AuditEntry, StaffRole
from tests.conftest import RunningNode
from tests.integration.test_cli import cli_env, credreg
from tests.integration.test_console import Staff, make_staff

__all__ = ["cli_env"]


def _entries(node: RunningNode) -> list[AuditEntry]:
    return node.runtime.audit().entries(0, 1000)


def _on_chain(node: RunningNode) -> Any:
    return node.runtime.audit_anchorer().on_chain


def test_api_and_console_actions_are_in_the_trail(node: RunningNode) -> None:
    issued = node.client.post(
        "/admin/credentials", json={"claims": example_claims(80)}, headers=node.auth()
    )
    assert issued.status_code == 201
    record_id = issued.json()["id"]
    node.client.get(f"/admin/credentials/{record_id}", headers=node.auth())
    node.client.post("/admin/credentials", json={"claims": {}}, headers=node.auth())  # a 422
    make_staff(node, "reg.one", StaffRole.REGISTRAR)
    browser = Staff(node)
    browser.post_sign_in("reg.one", "not the password")
    browser.enrol("reg.one")
    browser.client.get(f"/console/records/{record_id}")

    rows = [(e.actor.split(":")[0], e.action, e.subject, e.outcome) for e in _entries(node)]
    assert ("token", "POST /admin/credentials", "", "201") in rows
    assert ("token", "GET /admin/credentials/{record_id}", record_id, "200") in rows
    assert ("token", "POST /admin/credentials", "", "422") in rows
    assert ("anonymous", "POST /console/sign-in", "", "401") in rows, "a failed sign-in"
    assert ("anonymous", "POST /console/enrol", "", "303") in rows
    assert ("staff", "GET /console/records/{record_id}", record_id, "200") in rows
    assert not any("password" in json.dumps(e.details) for e in _entries(node))
    assert node.runtime.audit().verify().ok


def test_the_head_is_anchored_and_tampering_is_found(node: RunningNode) -> None:
    audit: AuditLog = node.runtime.audit()
    for n in range(5):
        audit.append("test", "action", f"s{n}")
    node.anchor_all()
    with node.runtime.sessions() as session:
        (anchor,) = session.scalars(sa.select(AuditAnchor)).all()
        assert anchor.state == "confirmed" and anchor.seq == 5 and anchor.block_number
    assert audit.verify(_on_chain(node)).ok
    audit.append("test", "after the anchor")
    found = audit.verify(_on_chain(node))
    assert found.ok and found.last_anchored_seq == 5 and found.unanchored == 1

    engine = node.runtime.engine
    with engine.begin() as connection:
        connection.execute(sa.update(AuditEntry).where(AuditEntry.seq == 3).values(subject="x"))
    broken = audit.verify(_on_chain(node))
    assert not broken.ok and broken.first_break == 3

    # A rewrite that recomputes every later hash keeps the links, not the anchored head.
    with node.runtime.sessions() as session:
        prev = session.get_one(AuditEntry, 2).hash
        for row in session.scalars(
            sa.select(AuditEntry).where(AuditEntry.seq >= 3).order_by(AuditEntry.seq)
        ):
            row.prev_hash = prev
            row.hash = entry_hash(
                prev, row.seq, row.at, row.actor, row.action, row.subject, row.outcome, row.details
            )
            prev = row.hash
        session.commit()
    rewritten = audit.verify(_on_chain(node))
    assert rewritten.intact and not rewritten.ok
    assert "entry 5 differs from its head anchored in block" in rewritten.anchors_failed[0]

    with engine.begin() as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 2))
    assert audit.verify().first_break == 3


def test_concurrent_appends_keep_one_chain(node: RunningNode) -> None:
    audit = node.runtime.audit()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                audit.append(f"thread-{n}", "append", str(i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = [e.seq for e in _entries(node)]
    assert seqs == list(range(1, 61))
    assert audit.verify().ok


def test_cli_verify_exit_codes(cli_env: dict[str, str], database_url: str) -> None:
    init = credreg(
        "init", "--name", "Audit U", "--country", "AT", "--origin", "https://audit.example",
        env=cli_env,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    made = credreg("token", "create", "--role", "issuer", env=cli_env)
    assert made.returncode == 0
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.delete(AuditEntry))
    engine.dispose()
    from node.db.engine import make_engine, session_factory

    engine = make_engine(database_url)
    log = AuditLog(session_factory(engine))
    for n in range(3):
        log.append("cli-test", "action", str(n))
    good = credreg("audit", "verify", "--offline", "--json", env=cli_env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert json.loads(good.stdout)["entries"] == 3
    listed = credreg("audit", "list", env=cli_env)
    assert [json.loads(line)["seq"] for line in listed.stdout.splitlines()] == [1, 2, 3]
    with engine.begin() as connection:
        connection.execute(sa.update(AuditEntry).where(AuditEntry.seq == 2).values(actor="x"))
    engine.dispose()
    bad = credreg("audit", "verify", "--offline", env=cli_env)
    assert bad.returncode == 1 and "BROKEN at entry 2" in bad.stdout


def test_the_entry_is_committed_before_the_client_sees_the_answer(node: RunningNode) -> None:
    """The middleware between the app and the client: when the status line goes out, the
    action's entry is already in the trail (read from another session); an app that fails
    before answering is recorded as a 500."""
    audit: AuditLog = node.runtime.audit()

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def fail(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("the app broke")

    seen: list[tuple[int, str | None]] = []

    async def client(message: Any) -> None:
        if message["type"] == "http.response.start":
            head = audit.entries(0, 1000)[-1]
            seen.append((message["status"], f"{head.action} {head.outcome}"))

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    def scope(path: str) -> dict[str, Any]:
        return {"type": "http", "method": "POST", "path": path, "state": {}}

    def run(app: Any, path: str) -> None:
        """The middleware on an event loop of its own (this thread may be running one)."""
        with ThreadPoolExecutor(1) as pool:
            pool.submit(anyio.run, AuditTrail(app, audit), scope(path), receive, client).result()

    run(answer, "/admin/things")
    assert seen == [(201, "POST /admin/things 201")]
    with pytest.raises(RuntimeError, match="the app broke"):
        run(fail, "/admin/broken")
    last = audit.entries(0, 1000)[-1]
    assert (last.action, last.outcome) == ("POST /admin/broken", "500")
