"""The front page (each language, a 390 px phone, JavaScript off) and the API documentation
(/docs, Swagger UI: JavaScript on) in headless Chromium: nothing is loaded from outside — every
request is watched, and any not to the node is aborted, as it would fail offline."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Route

from tests.browser.axe import assert_accessible, axe_context, check
from tests.browser.conftest import Node

HEADINGS = {
    "en": "Micro-credential registry",
    "de": "Register für Micro-Credentials",
    "es": "Registro de microcredenciales",
    "fi": "Mikrotodistusten rekisteri",
}
VERIFY_TITLES = {
    "en": "Verify a micro-credential",
    "de": "Micro-Credential prüfen",
    "es": "Verificar una microcredencial",
    "fi": "Tarkista mikrotodistus",
}


class Watched:
    """Every request the page makes; those not to the node are aborted."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.origin = origin
        self.requested: list[str] = []
        self.outside: list[str] = []
        self.csp_errors: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        url = route.request.url
        self.requested.append(url)
        if url.startswith(f"{self.origin}/"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)


@pytest.fixture
def phone(browser: Browser, node: Node) -> Iterator[tuple[BrowserContext, Watched]]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    try:
        yield context, Watched(context, node.url)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "de", "es", "fi"])
def test_front_page_in_each_language(
    phone: tuple[BrowserContext, Watched], node: Node, lang: str
) -> None:
    context, watched = phone
    page = context.new_page()
    response = page.goto(f"{node.url}/?lang={lang}")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == HEADINGS[lang]
    links = {
        name: page.locator(f"#to-{name}").get_attribute("href")
        for name in ("verify", "catalogue", "learner", "docs")
    }
    assert links == {
        "verify": f"/verify?lang={lang}",
        "catalogue": f"/catalogue?lang={lang}",
        "learner": f"/learner?lang={lang}",
        "docs": "/docs",
    }
    for name in links:
        assert page.locator(f"#to-{name} + p").inner_text()  # says who it is for
    # A phone's width: nothing wider than the screen, no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    check(page)
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    # The language links and the way on to the verification page keep the language.
    assert page.locator("nav a[aria-current='true']").get_attribute("hreflang") == lang
    page.locator("#to-verify").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == VERIFY_TITLES[lang]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page)
    assert watched.requested and not watched.outside, watched.outside


def test_front_page_follows_the_browser_language(browser: Browser, node: Node) -> None:
    context = browser.new_context(locale="fi-FI", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{node.url}/")
        assert page.locator("h1").inner_text() == HEADINGS["fi"]
    finally:
        context.close()


@pytest.fixture
def scripted(browser: Browser, node: Node) -> Iterator[tuple[BrowserContext, Watched]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context, Watched(context, node.url)
    finally:
        context.close()


def test_swagger_ui_renders_from_the_node_alone(
    scripted: tuple[BrowserContext, Watched], node: Node
) -> None:
    context, watched = scripted
    page = context.new_page()
    page.on("console", watched.console)
    page.goto(f"{node.url}/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("credreg node")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    assert page.locator(".opblock").count() > 20  # the operations, from /openapi.json
    assert f"{node.url}/openapi.json" in watched.requested
    assert not watched.outside, watched.outside
    assert not watched.csp_errors, watched.csp_errors
    # ReDoc would show its vendor's logo from the vendor's CDN: not served at all.
    assert httpx.get(f"{node.url}/redoc", timeout=10).status_code == 404


def test_swagger_ui_has_no_serious_accessibility_violation(browser: Browser, node: Node) -> None:
    """Swagger UI's own markup as the node serves it (its colours made AA contrast in
    api_docs.html), in the axe context: the page runs script under its CSP."""
    context = axe_context(browser, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{node.url}/docs")
        page.locator(".opblock").first.wait_for(timeout=30_000)
        assert_accessible(page)
    finally:
        context.close()
