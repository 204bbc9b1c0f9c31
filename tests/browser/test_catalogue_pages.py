"""A catalogue version's page in headless Chromium (JavaScript off, a 390 px phone): one
sample entry per language, published through the admin API, shown in its language, with its
schema.org Course JSON-LD (data, never run) and no request outside the node; axe on each."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Browser, Route

from node.catalogue.samples import SAMPLES
from tests.browser.axe import check
from tests.browser.conftest import Node
from tests.integration.test_catalogue_issuing import request_claims

LANGS = ["en", "de", "fi", "es"]  # SAMPLES' languages, in order


@pytest.mark.parametrize("n", range(len(SAMPLES)))
def test_a_published_version_in_its_language(browser: Browser, node: Node, n: int) -> None:
    lang, content = LANGS[n], SAMPLES[n]
    created = httpx.post(
        f"{node.url}/admin/catalogue", json={"content": content}, headers=node.headers()
    )
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    published = httpx.post(f"{node.url}/admin/catalogue/{entry_id}/publish", headers=node.headers())
    assert published.status_code == 200, published.text
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    outside: list[str] = []

    def route(r: Route) -> None:
        if r.request.url.startswith(f"{node.url}/"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    try:
        page = context.new_page()
        response = page.goto(f"{node.url}/catalogue/{entry_id}?lang={lang}")
        assert response is not None and response.status == 200
        assert page.url.endswith(f"/catalogue/{entry_id}/versions/1?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == content["title"][lang]
        assert page.locator("#digest").inner_text() == published.json()["digest"]
        # pending, unless the node's anchor round (every second here) was quicker
        assert page.locator("#anchor").get_attribute("data-state") in (
            "pending",
            "submitted",
            "confirmed",
        )
        course = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
        assert course["@type"] == "Course" and course["name"] == content["title"][lang]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        check(page)
        elm = page.locator("#as-elm").get_attribute("href")
        assert elm and elm.endswith("?format=jsonld")
        assert not outside, outside
    finally:
        context.close()


def test_the_verification_page_shows_the_course(browser: Browser, node: Node) -> None:
    """A credential issued from an entry, pasted on /verify: the result names the entry,
    links to it and says its title, ECTS and level match the published description."""
    created = httpx.post(
        f"{node.url}/admin/catalogue", json={"content": SAMPLES[0]}, headers=node.headers()
    )
    entry_id = created.json()["id"]
    published = httpx.post(f"{node.url}/admin/catalogue/{entry_id}/publish", headers=node.headers())
    url = published.json()["url"]
    issued = httpx.post(
        f"{node.url}/admin/credentials",
        json={"claims": request_claims(), "catalogueEntry": url, "formats": ["jwt_vc_json"]},
        headers=node.headers(),
    )
    assert issued.status_code == 201, issued.text
    jwt = issued.json()["credentials"][0]["credential"]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="de-DE", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{node.url}/verify?lang=de")
        page.fill("#credential", jwt)
        page.locator("form[action='/verify'] button[type=submit]").first.click()
        page.wait_for_load_state()
        course = page.locator("#course")
        assert course.get_attribute("data-matches") == "yes"
        assert course.locator("a").get_attribute("href") == url
        assert course.locator("a").inner_text() == SAMPLES[0]["title"]["de"]
        assert "Kursbeschreibung" in course.inner_text()
        check(page)
    finally:
        context.close()
