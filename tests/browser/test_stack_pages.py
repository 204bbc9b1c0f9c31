"""The learner's micro-degree pages in headless Chromium on a phone (390 px, JavaScript off),
in each language, with axe: the micro-degrees offered and their components; the progress
from the credentials the learner holds here, each component met; the wallet's request (QR
code and link); the transcript of records, asked for from the credentials page. The
node-to-node paths: tests/integration/test_stacks.py, tests/e2e."""

from __future__ import annotations

import copy

import httpx
from playwright.sync_api import Browser

from node.catalogue.samples import SAMPLES
from node.credentials.examples import example_claims
from node.stacking.rules import stack_of
from tests.browser.axe import check
from tests.browser.conftest import Node, wait_for
from tests.browser.test_learner_pages import PASSWORD
from tests.e2e.test_serve import run_credreg
from tests.integration.test_catalogue_issuing import request_claims

STACKER = "S300016"  # a learner of their own: the node is shared with the other page tests


def _published(node: Node, content: dict[str, object]) -> str:
    made = httpx.post(
        f"{node.url}/admin/catalogue", json={"content": content}, headers=node.headers()
    )
    assert made.status_code == 201, made.text
    published = httpx.post(
        f"{node.url}/admin/catalogue/{made.json()['id']}/publish", headers=node.headers()
    )
    assert published.status_code == 200, published.text
    return str(published.json()["url"])


def test_progress_towards_a_micro_degree(browser: Browser, node: Node) -> None:
    admin = run_credreg(node.server.env, "token", "create", "--role", "admin").stdout.strip()
    did = httpx.get(f"{node.url}/.well-known/did.json").json()["id"]
    course = _published(node, SAMPLES[2])
    degree = _published(node, copy.deepcopy(SAMPLES[3]) | {"workload": {"ects": 6}})
    rule = {
        "entry": degree,
        "title": {"en": "Micro-degree in circular economy", "de": "Micro-Degree Kreislauf"},
        "groups": [
            {
                "id": "core",
                "components": [
                    {"id": "circular", "entry": stack_of(course), "issuer": did},
                    {
                        "id": "more",
                        "required": False,
                        "entry": f"{stack_of(course)}x",
                        "issuer": did,
                    },
                ],
            }
        ],
        "minEcts": 2,
    }
    made = httpx.post(
        f"{node.url}/admin/stacks", json=rule, headers={"Authorization": f"Bearer {admin}"}
    )
    assert made.status_code == 201, made.text
    claims = request_claims()
    claims["learner"] = example_claims(0)["learner"] | {"identifier": STACKER}
    issued = httpx.post(
        f"{node.url}/admin/credentials",
        json={"claims": claims, "catalogueEntry": course, "formats": ["ldp_vc+eddsa-jcs-2022"]},
        headers=node.headers(),
        timeout=60,
    )
    assert issued.status_code == 201, issued.text
    record_id = issued.json()["id"]
    learner = httpx.post(
        f"{node.url}/admin/learners",
        json={
            "email": "stella@example.org",
            "name": "Stella Stack",
            "password": PASSWORD,
            "record_ids": [record_id],
        },
        headers=node.headers(),
        timeout=30,
    )
    assert learner.status_code == 201, learner.text

    def anchored() -> bool:
        copies = httpx.get(f"{node.url}/credentials/{record_id}/anchor", timeout=10).json()
        return all(c["state"] == "confirmed" for c in copies["copies"])

    wait_for(anchored, 60, "the part was never anchored")

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{node.url}/learner/sign-in?lang=en")
        page.get_by_label("E-mail address").first.fill("stella@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.locator("#to-stacks").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Micro-degrees"
        assert page.locator("#no-progress").count() == 1
        page.locator("form[action$='/held'] button").click()
        page.wait_for_load_state()
        assert page.locator("#progress").get_attribute("data-satisfied") == "yes"
        assert page.locator('tr[data-component="circular"]').get_attribute("data-state") == "met"
        assert page.locator('tr[data-component="more"]').get_attribute("data-state") == "missing"
        progress_url = page.url.split("?")[0]
        for lang in ("en", "de", "es", "fi"):
            for url in (f"{node.url}/learner/stacks?lang={lang}", f"{progress_url}?lang={lang}"):
                page.goto(url)
                assert page.locator("html").get_attribute("lang") == lang
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
                check(page)
        page.goto(f"{node.url}/learner/stacks?lang=en")
        assert page.locator('#progress tr[data-satisfied="yes"]').count() == 1
        page.locator("form[action$='/wallet'] button").click()
        page.wait_for_load_state()
        assert page.locator("#wallet-link").get_attribute("href").startswith("openid4vp://")
        assert page.locator("#offer-qr svg").count() == 1
        check(page)

        # The transcript of records: one credential listing the credentials held here.
        page.goto(f"{node.url}/learner/credentials?lang=en")
        page.locator("form[action='/learner/transcript'] button").click()
        page.wait_for_load_state()
        assert "/learner/credentials/" in page.url
        assert page.locator("h1").inner_text() == "Transcript of records"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        check(page)
    finally:
        context.close()
