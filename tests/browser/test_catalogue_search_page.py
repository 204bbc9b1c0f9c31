"""The catalogue's search page in headless Chromium (JavaScript off, a 390 px phone): the
form in each language, a search with a filter that finds what was published, a result
that leads to its version, pages of 20, a value that cannot be read named on the page; axe
on each."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from node.catalogue.samples import SAMPLES
from tests.browser.axe import check
from tests.browser.conftest import Node

HEADINGS = {
    "en": "Courses of the network",
    "de": "Kurse des Netzwerks",
    "es": "Cursos de la red",
    "fi": "Verkoston kurssit",
}


def publish(node: Node, content: dict[str, Any]) -> str:
    created = httpx.post(
        f"{node.url}/admin/catalogue", json={"content": content}, headers=node.headers()
    )
    assert created.status_code == 201, created.text
    entry_id = str(created.json()["id"])
    published = httpx.post(f"{node.url}/admin/catalogue/{entry_id}/publish", headers=node.headers())
    assert published.status_code == 200, published.text
    return entry_id


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    yield context
    context.close()


@pytest.mark.parametrize("lang", list(HEADINGS))
def test_a_search_with_a_filter_finds_the_entry(
    phone: BrowserContext, node: Node, lang: str
) -> None:
    word = f"w{uuid.uuid4().hex[:10]}"  # only this test's entries have it
    online = copy.deepcopy(SAMPLES[0]) | {"keywords": [word]}
    onsite = copy.deepcopy(SAMPLES[3]) | {"keywords": [word]}
    publish(node, online)
    entry_id = publish(node, onsite)
    page = phone.new_page()
    response = page.goto(f"{node.url}/catalogue?lang={lang}")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == HEADINGS[lang]
    # nothing asked yet: every entry on offer, the newest first
    assert page.locator("#results > li .result-title").first.inner_text() == (
        onsite["title"].get(lang) or onsite["title"]["en"]
    )
    check(page)
    page.fill("#q", word)
    page.locator("details summary").click()
    page.select_option("#mode", "onsite")
    page.locator("#search button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang  # the form keeps the language
    results = page.locator("#results > li")
    assert results.count() == 1
    title = onsite["title"].get(lang) or onsite["title"]["en"]
    assert results.locator(".result-title").inner_text() == title
    assert page.locator("#mode").input_value() == "onsite"  # the form shows what was asked
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page)
    results.locator(".result-title").click()
    page.wait_for_load_state()
    assert f"/catalogue/{entry_id}/versions/1" in page.url


def test_pages_of_twenty(phone: BrowserContext, node: Node) -> None:
    word = f"w{uuid.uuid4().hex[:10]}"
    for n in range(22):
        publish(node, copy.deepcopy(SAMPLES[n % 4]) | {"keywords": [word, f"n{n}"]})
    page = phone.new_page()
    page.goto(f"{node.url}/catalogue?q={word}")
    assert page.locator("#results > li").count() == 20
    assert page.locator("#previous").count() == 0
    page.locator("#next").click()
    page.wait_for_load_state()
    assert page.locator("#results > li").count() == 2
    assert page.locator("#next").count() == 0 and page.locator("#previous").count() == 1
    assert page.locator("#q").input_value() == word
    check(page)


def test_a_value_that_cannot_be_read_is_named(phone: BrowserContext, node: Node) -> None:
    page = phone.new_page()
    response = page.goto(f"{node.url}/catalogue?lang=fi&ectsMin=kolme&eqf=")
    assert response is not None and response.status == 422
    problems = page.locator("#problems")
    assert "ECTS vähintään" in problems.inner_text()
    assert page.locator("#results").count() == 0
    assert page.locator("#ectsMin").input_value() == "kolme"  # shown again to correct
    check(page)
