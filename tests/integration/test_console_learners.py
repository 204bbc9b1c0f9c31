"""The console's learner accounts over HTTP, on SQLite and PostgreSQL: a registrar finds
accounts, provisions one (its sign-in link mailed), mails a link again, disables and enables
one; refusals say why (a taken address: 409); other roles get 403."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from node.db.models import MailOutbox, StaffRole
from node.mail import messages
from tests.conftest import RunningNode
from tests.integration.test_console import Staff, signed_in


def _post(browser: Staff, path: str, **data: str) -> Any:
    page = browser.client.get("/console/learners?lang=en")
    assert page.status_code == 200, page.text
    return browser.client.post(path, data={"csrf": browser.csrf(page.text), "lang": "en", **data})


def _mails(node: RunningNode) -> int:
    with node.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(MailOutbox)) or 0


def test_a_registrar_provisions_finds_and_disables_learner_accounts(node: RunningNode) -> None:
    registrar = signed_in(node, "reg", StaffRole.REGISTRAR)
    made = _post(
        registrar, "/console/learners", email="Ana.Learner@Example.org", name="Ana Learner",
        send_link="yes",
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert "its sign-in link is mailed" in made.text
    assert _mails(node) == 1
    _post(registrar, "/console/learners", email="bo@example.org", name="Bo Other")
    assert _mails(node) == 1  # no link asked for
    found = registrar.client.get("/console/learners?lang=en&q=ana")
    assert "ana.learner@example.org" in found.text and "bo@example.org" not in found.text
    everyone = registrar.client.get("/console/learners?lang=en")
    assert everyone.text.count("data-account=") == 2
    account = node.runtime.learners().accounts.by_email("ana.learner@example.org")
    assert account is not None
    again = _post(registrar, f"/console/learners/{account.id}/sign-in-link")
    assert "A sign-in link is mailed" in again.text and _mails(node) == 2
    off = _post(registrar, f"/console/learners/{account.id}/disable")
    assert off.status_code == 303
    assert node.runtime.learners().accounts.get(account.id).disabled
    listed = registrar.client.get("/console/learners?lang=en&q=ana")
    assert f'data-account="{account.id}" data-disabled="yes"' in listed.text
    on = _post(registrar, f"/console/learners/{account.id}/enable")
    assert on.status_code == 303
    assert not node.runtime.learners().accounts.get(account.id).disabled


def test_refusals_say_why_and_other_roles_are_refused(node: RunningNode) -> None:
    registrar = signed_in(node, "reg", StaffRole.REGISTRAR)
    _post(registrar, "/console/learners", email="ana@example.org", name="Ana")
    taken = _post(registrar, "/console/learners", email="ANA@example.org", name="Ana Two")
    assert taken.status_code == 409
    assert "a learner account for ana@example.org exists" in taken.text
    assert 'value="Ana Two"' in taken.text  # the form keeps what was typed
    bad = _post(registrar, "/console/learners", email="not an address", name="X")
    assert bad.status_code == 422
    unknown = _post(registrar, "/console/learners/00000000-0000-0000-0000-000000000000/disable")
    assert unknown.status_code == 404
    assert registrar.client.get("/console/learners?q=%25").status_code == 200  # LIKE escaped
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    assert teacher.client.get("/console/learners?lang=en").status_code == 403
    page = teacher.client.get("/console/dashboard?lang=en")
    assert "/console/learners" not in page.text  # not in the teacher's menu
    refused = teacher.client.post(
        "/console/learners",
        data={"csrf": teacher.csrf(page.text), "email": "x@example.org", "name": "X"},
    )
    assert refused.status_code == 403


def test_mails_go_out_in_the_learners_language(node: RunningNode) -> None:
    registrar = signed_in(node, "reg", StaffRole.REGISTRAR)
    made = _post(
        registrar, "/console/learners", email="fi@example.org", name="Aino Learner",
        send_link="yes", mail_lang="fi",
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert 'fi@example.org · <span lang="fi">' in made.text
    account = node.runtime.learners().accounts.by_email("fi@example.org")
    assert account is not None and account.lang == "fi"
    _post(registrar, f"/console/learners/{account.id}/sign-in-link")
    finnish = messages.sign_in_link("fi", "Aino Learner", "x", 15)[0]
    assert _subjects(node) == [finnish, finnish]
    # The learner asks for a link on the German page: that is their language from now on.
    node.runtime.learners().sign_in.send_link("fi@example.org", "198.51.100.9", "de")
    assert node.runtime.learners().accounts.get(account.id).lang == "de"
    assert _subjects(node)[-1] == messages.sign_in_link("de", "Aino Learner", "x", 15)[0]
    bad = _post(registrar, "/console/learners", email="x@example.org", name="X", mail_lang="xx")
    assert bad.status_code == 422 and "lang: one of en, de, es, fi" in bad.text


def _subjects(node: RunningNode) -> list[str]:
    with node.runtime.sessions() as session:
        return list(session.scalars(select(MailOutbox.subject).order_by(MailOutbox.id)))
