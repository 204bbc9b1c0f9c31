"""The staff console (/console) in headless Chromium (JavaScript off): the sign-in with
password and TOTP, the authenticator set-up of the first sign-in, the dashboard, the registry
search and its CSV, a record's page with its status history, a CSV upload from its preview to
its summary, signing out; each page in every
language and on a 390 px wide phone; axe on each. (Over HTTP, every negative and the
registry's pages: tests/integration/test_console.py.)"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from node.catalogue.samples import SAMPLES as CATALOGUE_SAMPLES
from node.i18n.catalogues import translator
from node.staff import totp
from node.web.i18n import LANGUAGES, t
from tests.browser.axe import check
from tests.browser.conftest import LEARNER, Node
from tests.browser.png import qr_texts
from tests.e2e.test_serve import run_credreg
from tests.integration.test_uploads import platform_export
from tests.unit.test_catalogue_csv import HEADER as CATALOGUE_HEADER
from tests.unit.test_catalogue_csv import ROW as CATALOGUE_ROW

PASSWORD = "console browser password 1"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _create(node: Node, username: str, name: str = "Rita Registrar") -> None:
    env = {**node.server.env, "STAFF_PW": PASSWORD}
    created = run_credreg(
        env, "staff", "create", username, "--name", name, "--role", "registrar",
        "--password-env", "STAFF_PW",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr


def _password(
    page: Page, node: Node, username: str, password: str = PASSWORD, lang: str = "en"
) -> int:
    """The sign-in form sent with a user name and password (and no code): the status of
    the page it leads to."""
    page.goto(f"{node.url}/console/sign-in?lang={lang}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    return _status_after(page, "form button.primary")


def _status_after(page: Page, button: str) -> int:
    """Press a form's button: the status of the page shown next (after any redirect)."""
    with page.expect_navigation() as navigation:
        page.locator(button).click()
    page.wait_for_load_state()
    response = navigation.value
    assert response is not None
    return response.status


def _confirm(page: Page, code: str) -> int:
    """The set-up page's code sent: the status of the answer."""
    page.get_by_label("Code from your authenticator app").fill(code)
    assert page.locator("form button.primary").inner_text() == "Confirm and sign in"
    return _status_after(page, "form button.primary")


def _wrong_code(secret: str) -> str:
    """A six-digit code that is not the code of any step accepted now (±1, and a margin)."""
    now = time.time()
    taken = {totp.code_at(secret, now + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in (f"{n:06d}" for n in range(1, 10)) if c not in taken)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture(scope="module")
def console(browser: Browser, node: Node) -> Iterator[Page]:
    """One member of staff signed in (first sign-in: password, then the app set up) for the
    module's tests; each opens its pages in this tab."""
    _create(node, "reg.one")
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        _password(page, node, "reg.one")
        secret = page.locator("#totp-secret").inner_text()
        assert _confirm(page, totp.code_at(secret)) == 200
        assert urlsplit(page.url).path == "/console/dashboard"
        yield page
    finally:
        context.close()


@pytest.fixture
def tab(console: Page) -> Page:
    console.set_viewport_size(DESKTOP)
    return console


def test_sign_in_page_and_a_wrong_password(page: Page, node: Node) -> None:
    response = page.goto(f"{node.url}/console")
    assert response is not None and response.status == 200
    assert urlsplit(page.url).path == "/console/sign-in"  # signed out: to the sign-in
    assert page.locator("h1").inner_text() == "Staff sign-in"
    assert page.get_by_label("User name").get_attribute("autocomplete") == "username"
    assert page.get_by_label("Password").get_attribute("type") == "password"
    code = page.get_by_label("Code from your authenticator app")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert "first time" in page.locator("#code-help").inner_text()
    check(page)

    assert _password(page, node, "reg.nobody", "not the password") == 401
    assert page.locator("#notice").inner_text() == "Wrong user name, password or code."
    assert page.get_by_label("User name").input_value() == "reg.nobody"
    assert page.get_by_label("Password").input_value() == ""
    check(page)
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_sign_in_page_in_each_language(page: Page, node: Node, lang: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{node.url}/console/sign-in?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    heading = page.locator("h1").inner_text()
    assert heading == t(lang, "c.sign_in") != t("en", "c.sign_in")
    words = translator(lang)
    assert page.get_by_label(words.gettext("Code from your authenticator app")).count() == 1
    _no_sideways_scroll(page)


def test_first_sign_in_sets_up_the_app_then_sign_out(page: Page, node: Node) -> None:
    _create(node, "reg.two", "Tero Registrar")
    # Until the app is set up, each password sign-in leads to the set-up page: in every
    # language, and on a phone.
    page.set_viewport_size(PHONE)
    for lang in [*(lang for lang in LANGUAGES if lang != "en"), "en"]:
        assert _password(page, node, "reg.two", lang=lang) == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == t(lang, "c.enrol")
        if lang != "en":
            assert t(lang, "c.enrol") != t("en", "c.enrol")
        _no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    assert page.locator("h1").inner_text() == "Set up your authenticator app"
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    check(page)

    assert _confirm(page, _wrong_code(secret)) == 401
    assert page.locator("#notice").inner_text() == t("en", "c.code_failed")
    assert page.locator("#totp-secret").inner_text() == secret  # the same secret again
    check(page)

    assert _confirm(page, totp.code_at(secret)) == 200
    assert urlsplit(page.url).path == "/console/dashboard"
    assert page.locator("#staff-name").inner_text() == "Tero Registrar"
    assert any(c["name"] == "credreg_staff" for c in page.context.cookies())

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/console/sign-in"
    assert page.locator("h1").inner_text() == "Staff sign-in"
    assert not any(c["name"] == "credreg_staff" for c in page.context.cookies())
    page.goto(f"{node.url}/console/dashboard?lang=en")
    assert urlsplit(page.url).path == "/console/sign-in"
    # From now on the password alone is not enough.
    assert _password(page, node, "reg.two") == 401
    assert page.locator("#notice").inner_text() == "Wrong user name, password or code."


def test_set_up_page_qr_code_decodes_to_the_secret(page: Page, node: Node) -> None:
    _create(node, "reg.three", "Tiina Registrar")
    assert _password(page, node, "reg.three") == 200
    secret = page.locator("#totp-secret").inner_text()
    qr = page.locator("#offer-qr svg")
    assert qr.count() == 1, page.locator("#offer-qr").inner_text()[:80]
    (uri,) = qr_texts(qr.screenshot())
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri


def test_dashboard_counts_lead_to_the_registry(tab: Page, node: Node) -> None:
    tab.goto(f"{node.url}/console/dashboard?lang=en")
    assert tab.locator("h1").inner_text() == "Dashboard"
    assert tab.locator("#staff-name").inner_text() == "Rita Registrar"
    counts = tab.locator("#record-counts")
    for state in ("revoked", "suspended"):
        assert int(counts.locator(f'a[data-count="{state}"]').inner_text()) >= 1
    assert int(counts.locator('a[data-count="issued"]').inner_text()) >= 1
    for kind in ("waiting", "sent", "failed", "expired"):
        assert tab.locator(f'#mail-counts dd[data-count="{kind}"]').inner_text().isdigit()
    assert "No SMTP server is configured" in tab.locator("#notice").inner_text()
    check(tab)

    counts.locator('a[data-count="revoked"]').click()
    tab.wait_for_load_state()
    assert tab.locator("h1").inner_text() == "Registry"
    assert tab.get_by_label("Status").input_value() == "revoked"
    rows = tab.locator("#registry tr[data-record]")
    assert node.records["revoked"] in rows.evaluate_all("rows => rows.map(r => r.dataset.record)")
    assert set(rows.locator("[data-state]").all_inner_texts()) == {"Revoked"}


def test_registry_search_and_csv(tab: Page, node: Node) -> None:
    tab.goto(f"{node.url}/console/registry?lang=en")
    assert tab.locator("h1").inner_text() == "Registry"
    assert tab.locator("#registry tr[data-record]").count() >= 3  # every record, newest first
    tab.get_by_label("Search: learner, student number, title or record id").fill(LEARNER)
    tab.get_by_role("button", name="Search").click()
    tab.wait_for_load_state()
    rows = tab.locator("#registry tr[data-record]")
    found = rows.evaluate_all("rows => rows.map(r => r.dataset.record)")
    mine = {node.records[name] for name in ("valid", "revoked", "suspended")}
    assert set(found) == mine
    assert tab.locator("#registry caption").inner_text() == "Records, newest first"
    for row in rows.all():
        assert LEARNER in row.locator("th").inner_text()
    assert tab.locator("#next-page").count() == 0  # three records: one page
    check(tab)

    # The CSV of the same search.
    csv_href = tab.locator("#csv").get_attribute("href")
    assert csv_href is not None and f"q={LEARNER}" in csv_href
    with tab.expect_download() as info:
        tab.locator("#csv").click()
    download = info.value
    assert download.suggested_filename == "registry.csv"
    saved = download.path()
    assert saved is not None
    lines = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert {line["id"] for line in lines} == mine
    assert {line["learner_identifier"] for line in lines} == {LEARNER}
    states = {line["id"]: line["state"] for line in lines}
    assert states[node.records["revoked"]] == "revoked"
    assert states[node.records["suspended"]] == "suspended"

    # Narrowed by state; a date range with nothing in it.
    tab.get_by_label("Status").select_option("suspended")
    tab.get_by_role("button", name="Search").click()
    tab.wait_for_load_state()
    found = tab.locator("#registry tr[data-record]").evaluate_all(
        "rows => rows.map(r => r.dataset.record)"
    )
    assert found == [node.records["suspended"]]
    tab.get_by_label("Status").select_option("")
    tab.get_by_label("Issued until").fill("2001-01-01")
    tab.get_by_role("button", name="Search").click()
    tab.wait_for_load_state()
    assert tab.locator("#no-results").inner_text() == "No records match."
    check(tab)

    # On to a record's page.
    tab.goto(f"{node.url}/console/registry?lang=en&q={LEARNER}")
    tab.locator(f'tr[data-record="{node.records["revoked"]}"] a').click()
    tab.wait_for_load_state()
    assert urlsplit(tab.url).path == f"/console/records/{node.records['revoked']}"


def test_record_page_shows_the_status_history(tab: Page, node: Node) -> None:
    tab.goto(f"{node.url}/console/records/{node.records['revoked']}?lang=en")
    record = tab.locator("#record")
    assert LEARNER in tab.locator("#record-learner").inner_text()
    assert record.locator("[data-state]").inner_text() == "Revoked"
    assert node.records["revoked"] in record.inner_text()
    assert tab.locator('dd[data-field="learner"]').inner_text()  # the credential's content
    copies = tab.locator("#copies tbody tr")
    assert copies.count() == 1
    assert copies.first.locator("code").first.inner_text() == "ldp_vc+eddsa-jcs-2022"
    events = tab.locator("#events li")
    assert events.count() == 1
    assert "browser test" in events.first.inner_text()  # the reason given
    check(tab)

    tab.goto(f"{node.url}/console/records/{node.records['valid']}?lang=en")
    assert tab.locator("#record [data-state]").inner_text() == "Valid"
    assert tab.locator("#no-events").count() == 1
    response = tab.goto(f"{node.url}/console/records/00000000-0000-0000-0000-000000000000")
    assert response is not None and response.status == 404
    assert tab.locator("#notice").count() == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_console_pages_in_each_language_on_a_phone(tab: Page, node: Node, lang: str) -> None:
    words = translator(lang)
    tab.set_viewport_size(PHONE)
    pages = {
        f"/console/dashboard?lang={lang}": t(lang, "c.dashboard"),
        f"/console/registry?lang={lang}&q={LEARNER}": t(lang, "c.registry"),
    }
    for path, heading in pages.items():
        tab.goto(node.url + path)
        assert tab.locator("html").get_attribute("lang") == lang
        assert tab.locator("h1").inner_text() == heading
        _no_sideways_scroll(tab)
    assert tab.locator("#registry tr[data-record]").count() == 3
    label = words.gettext("Search: learner, student number, title or record id")
    assert tab.get_by_label(label).input_value() == LEARNER

    tab.goto(f"{node.url}/console/records/{node.records['revoked']}?lang={lang}")
    assert tab.locator("html").get_attribute("lang") == lang
    headings = tab.locator("h2").all_inner_texts()
    assert words.gettext("Status history") in headings
    assert words.gettext("Signed copies and anchoring") in headings
    assert tab.locator("#record [data-state]").inner_text() == t(lang, "s.revoked")
    _no_sideways_scroll(tab)
    if lang != "en":
        english = {t("en", "c.dashboard"), t("en", "c.registry"), "Status history"}
        assert not english & {*pages.values(), *headings}


@pytest.mark.parametrize(
    "path",
    [
        "/console/approvals",
        "/console/prepare",
        "/console/uploads",
        "/console/learners",
        "/console/network",
        "/console/institution",
        "/console/catalogue",
        "/console/recognition",
    ],
)
def test_the_other_console_pages(tab: Page, node: Node, path: str) -> None:
    """The approval queue, the prepare form, uploads, learner accounts, the network and the
    institution (their steps over HTTP: test_console*.py)."""
    response = tab.goto(f"{node.url}{path}?lang=en")
    assert response is not None and response.status == 200
    assert urlsplit(tab.url).path == path
    assert tab.locator("h1").count() == 1
    check(tab)
    tab.set_viewport_size(PHONE)
    _no_sideways_scroll(tab)


def test_the_catalogue_imported_published_and_withdrawn(
    tab: Page, node: Node, tmp_path: Path
) -> None:
    """A registrar imports a CSV file of entries, publishes the draft, withdraws it with a
    reason; axe on each page, and on a phone."""
    key = f"BR-{int(time.time() * 1000)}"
    sample = tmp_path / "catalogue.csv"
    sample.write_text(f"{CATALOGUE_HEADER}\n{CATALOGUE_ROW.replace('DS-101', key)}\n")
    tab.goto(f"{node.url}/console/catalogue?lang=en")
    assert tab.locator("h1").inner_text() == "Catalogue"
    tab.get_by_label(
        "A CSV file (one entry per row, with its key) or ELM JSON-LD (docs/catalogue.md)"
    ).set_input_files(sample)
    tab.get_by_role("button", name="Import", exact=True).click()
    tab.wait_for_load_state()
    assert tab.locator('#outcomes tr[data-outcome="created"]').count() == 1
    check(tab)
    row = tab.locator("#entries tr[data-entry]").filter(has_text="Data Ethics").first
    row.get_by_role("button", name="Publish version 1").click()
    tab.wait_for_load_state()
    row = tab.locator("#entries tr[data-entry]").filter(has_text="Data Ethics").first
    assert row.locator('[data-version="1"]').get_attribute("data-state") == "published"
    row.get_by_label("Why version 1 is withdrawn").fill("replaced by the spring course")
    row.get_by_role("button", name="Withdraw").click()
    tab.wait_for_load_state()
    row = tab.locator("#entries tr[data-entry]").filter(has_text="Data Ethics").first
    assert row.locator('[data-version="1"]').get_attribute("data-state") == "withdrawn"
    check(tab)
    tab.set_viewport_size(PHONE)
    _no_sideways_scroll(tab)


def test_a_catalogue_entry_written_in_the_form(tab: Page, node: Node) -> None:
    """The entry form in German on a phone: every field labelled (axe), a draft saved,
    published from the catalogue page."""
    tab.set_viewport_size(PHONE)
    tab.goto(f"{node.url}/console/catalogue/new?lang=de")
    assert tab.locator("h1").inner_text() == "Ein neuer Katalogeintrag"
    check(tab)
    _no_sideways_scroll(tab)
    title = f"Offene Wissenschaft {int(time.time() * 1000)}"
    tab.locator("#title-de").fill(title)
    tab.locator("#abstract-de").fill("Daten, Code und Artikel teilen.")
    tab.locator("#outcome-de").fill("Einen Datensatz veröffentlichen\nEinen Datenplan prüfen")
    tab.locator("#field_of_study").fill("0588")
    tab.select_option("#eqf_level", "6")
    tab.locator("#ects").fill("3")
    tab.select_option("#participation_form", "online")
    tab.locator("#lang-de").check()
    tab.locator("#assessment-portfolio").check()
    tab.locator("#free_start").check()
    tab.get_by_role("button", name="Entwurf speichern").click()
    tab.wait_for_load_state()
    assert urlsplit(tab.url).path == "/console/catalogue"
    row = tab.locator("#entries tr[data-entry]").filter(has_text=title)
    assert row.locator('[data-version="1"]').get_attribute("data-state") == "draft"
    row.get_by_role("button", name="Version 1 veröffentlichen").click()
    tab.wait_for_load_state()
    row = tab.locator("#entries tr[data-entry]").filter(has_text=title)
    assert row.locator('[data-version="1"]').get_attribute("data-state") == "published"
    check(tab)


def test_a_csv_upload_from_preview_to_summary(tab: Page, node: Node, tmp_path: Path) -> None:
    """The upload form, the preview with a bad row's errors, the progress page reloading
    itself (no script) until the summary; axe on each, and on a phone."""
    data, good = platform_export(2, prefix="browser")
    sample = tmp_path / "platform-export.csv"
    sample.write_bytes(data)
    tab.goto(f"{node.url}/console/uploads?lang=en")
    assert tab.locator("h1").inner_text() == "Upload a CSV file"
    check(tab)
    tab.get_by_label("CSV file (UTF-8 or Windows-1252; comma, semicolon or tab)").set_input_files(
        sample
    )
    assert _status_after(tab, "form button.primary") == 200
    assert tab.locator("h1").inner_text() == "platform-export.csv"
    assert tab.locator("#count-prepare").inner_text() == str(good)
    assert tab.locator("#count-reject").inner_text() == "2"
    bad = tab.locator('#preview tr[data-outcome="reject"]')
    assert bad.count() == 2 and "Not prepared:" in bad.first.inner_text()
    check(tab)
    tab.set_viewport_size(PHONE)
    _no_sideways_scroll(tab)
    tab.set_viewport_size(DESKTOP)
    tab.get_by_role("button", name=f"Prepare {good} records").click()
    tab.wait_for_load_state()
    tab.locator('#upload-state[data-state="done"]').wait_for(timeout=60_000)  # reloads itself
    assert tab.locator("#count-prepared").inner_text() == str(good)
    check(tab)
    with tab.expect_download() as info:
        tab.locator("#problems-csv").click()
    assert info.value.suggested_filename == "platform-export-not-prepared.csv"
    saved = info.value.path()
    assert saved is not None
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert {row["outcome"] for row in rows} == {"reject"} and len({r["line"] for r in rows}) == 2


def test_bulk_action_pages(tab: Page, node: Node) -> None:
    """The registry's selection form and the outcome page (its steps over HTTP:
    test_console_bulk.py); a reinstatement of a valid record is refused, so no state moves."""
    tab.goto(f"{node.url}/console/registry?lang=en&q={LEARNER}")
    assert _status_after(tab, "#bulk button.primary") == 422  # nothing selected
    assert "record: select at least one record" in tab.locator("#notice").inner_text()
    check(tab)
    tab.goto(f"{node.url}/console/registry?lang=en&q={LEARNER}")
    tab.locator(f"#pick-{node.records['valid']}").check()
    tab.get_by_label("Action", exact=True).select_option("reinstate")
    tab.get_by_label("Reason (for revoking, suspending, reinstating)").fill("browser test")
    assert _status_after(tab, "#bulk button.primary") == 200
    assert tab.locator("#bulk-summary").inner_text() == "Reinstate: 0 records changed, 1 refused."
    row = tab.locator(f'#bulk-outcomes tr[data-record="{node.records["valid"]}"]')
    assert "cannot reinstate a credential that is issued" in row.inner_text()
    check(tab)
    tab.set_viewport_size(PHONE)
    _no_sideways_scroll(tab)


def _stored_case(node: Node) -> str:
    """An open recognition case as a request leaves it (its steps over HTTP, on anvil:
    tests/integration/test_recognition.py), written to the served node's database."""
    case_id = str(uuid.uuid4())
    evidence = [
        {
            "format": "jwt_vc_json",
            "credential": "x.y.z",
            "digest": "ab" * 32,
            "issuer": "did:web:uni-b.example",
            "achievement": "https://uni-b.example/catalogue/e/versions/1",
            "title": {"en": "Supply chain analytics", "de": "Lieferkettenanalyse"},
            "ects": 5,
            "grade": "FX",
            "learner": "Maija Meikäläinen",
            "verified": True,
            "checks": [],
        }
    ]
    conditions = [
        {"name": "verification", "ok": True, "detail": "every check of the pipeline passed"},
        {"name": "passingGrade", "ok": False, "detail": "grade FX is not a passing grade"},
    ]
    now = datetime.now(UTC).isoformat(sep=" ")
    with sqlite3.connect(node.server.env["CREDREG_DATA_DIR"] + "/node.db") as db:
        db.execute(
            "INSERT INTO recognition_case (id, state, route, agreement_url, programme,"
            " learner_name, evidence, conditions, created_at, appeal_text, appealed_at,"
            " appeal_outcome) VALUES (?, 'open', 'agreement', ?, 'MSC-DS', ?, ?, ?, ?, ?, ?,"
            " 'open')",
            (
                case_id,
                "https://uni-a.example/agreements/x/versions/1",
                "Maija Meikäläinen",
                json.dumps(evidence),
                json.dumps(conditions),
                now,
                "I passed the resit.",
                now,
            ),
        )
    return case_id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_recognition_case_page_in_each_language(tab: Page, node: Node, lang: str) -> None:
    """The registrar sees the evidence, the failed condition, the decision form and the
    appeal form (deciding them over HTTP: tests/integration/test_console_recognition.py)."""
    case_id = _stored_case(node)
    words = translator(lang)
    tab.set_viewport_size(PHONE)
    response = tab.goto(f"{node.url}/console/recognition/{case_id}?lang={lang}")
    assert response is not None and response.status == 200
    assert tab.locator("h1").inner_text() == words.gettext("Recognition case")
    assert (
        tab.locator('#conditions [data-condition="passingGrade"]').get_attribute("data-ok") == "no"
    )
    assert tab.locator("#recognise-yes").count() == 1 and tab.locator("#upheld-yes").count() == 1
    _no_sideways_scroll(tab)
    check(tab)
    tab.goto(f"{node.url}/console/recognition?lang={lang}")
    assert tab.locator(f'#cases tr[data-case="{case_id}"]').count() == 1
    check(tab)


def _stored_progress(node: Node) -> str:
    """A stack rule (over the admin API) and a learner's progress that meets it, as the
    service leaves it (its steps over HTTP, on anvil: tests/integration/test_stacks.py),
    written to the served node's database."""
    admin = run_credreg(node.server.env, "token", "create", "--role", "admin").stdout.strip()
    headers = {"Authorization": f"Bearer {admin}"}
    content = {**CATALOGUE_SAMPLES[3], "workload": {"ects": 6}}
    made = httpx.post(f"{node.url}/admin/catalogue", json={"content": content}, headers=headers)
    degree = httpx.post(
        f"{node.url}/admin/catalogue/{made.json()['id']}/publish", headers=headers
    ).json()["url"]
    did = httpx.get(f"{node.url}/.well-known/did.json").json()["id"]
    rule = {
        "entry": degree,
        "title": {"en": "Micro-degree in circular economy", "fi": "Kiertotalouden mikrotutkinto"},
        "groups": [
            {
                "id": "core",
                "components": [
                    {
                        "id": "circular",
                        "entry": f"{node.url}/catalogue/{uuid.uuid4()}",
                        "issuer": did,
                    }
                ],
            }
        ],
        "minEcts": 2,
    }
    stack = httpx.post(f"{node.url}/admin/stacks", json=rule, headers=headers)
    assert stack.status_code == 201, stack.text
    progress_id = str(uuid.uuid4())
    judged = {
        "rule": stack.json()["versions"][0]["url"],
        "satisfied": True,
        "ects": 2,
        "components": [
            {"component": "circular", "group": "core", "required": True, "state": "met",
             "reasons": [], "part": 0, "ects": 2}
        ],
        "conditions": [{"name": "minEcts", "ok": True, "detail": "2 ECTS met, at least 2"}],
    }  # fmt: skip
    evidence = [
        {"format": "ldp_vc+eddsa-jcs-2022", "credential": {}, "digest": "cd" * 32, "issuer": did,
         "title": {"en": "Circular Economy Basics"}, "ects": 2, "grade": "A",
         "learner": "Maija Meikäläinen", "verified": True, "checks": []}
    ]  # fmt: skip
    with sqlite3.connect(node.server.env["CREDREG_DATA_DIR"] + "/node.db") as db:
        db.execute(
            "INSERT INTO stack_progress (id, stack_id, rule_url, state, learner_name, evidence,"
            " progress, satisfied, created_at) VALUES (?, ?, ?, 'evaluated', ?, ?, ?, 1, ?)",
            (
                progress_id,
                stack.json()["id"],
                judged["rule"],
                "Maija Meikäläinen",
                json.dumps(evidence),
                json.dumps(judged),
                datetime.now(UTC).isoformat(sep=" "),
            ),
        )
    return progress_id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_micro_degree_pages_in_each_language(tab: Page, node: Node, lang: str) -> None:
    """The stack rules, the learners' progress and a progress's page with the issue form
    (issuing it over HTTP: tests/integration/test_stacks.py)."""
    progress_id = _stored_progress(node)
    words = translator(lang)
    tab.set_viewport_size(PHONE)
    response = tab.goto(f"{node.url}/console/stacks?lang={lang}")
    assert response is not None and response.status == 200
    assert tab.locator(f'#progress tr[data-progress="{progress_id}"]').count() == 1
    _no_sideways_scroll(tab)
    check(tab)
    tab.goto(f"{node.url}/console/stacks/progress/{progress_id}?lang={lang}")
    assert tab.locator("h1").inner_text() == words.gettext("Progress towards a micro-degree")
    assert (
        tab.locator('#components tr[data-component="circular"]').get_attribute("data-state")
        == "met"
    )
    assert tab.locator("#locality").count() == 1  # a registrar issues it
    _no_sideways_scroll(tab)
    check(tab)
