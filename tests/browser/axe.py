"""axe-core (npm, pinned in tests/browser/package.json) run inside a page: the accessibility
check every browser test applies to each page it opens.

The pages run no script of their own and forbid scripts by CSP, so axe runs in a context
made with ``bypass_csp=True`` and JavaScript on (:func:`axe_context`). The tests open the
pages with JavaScript off and pass each to :func:`check`, which hands the same document to
such a context. A serious or critical violation fails the test with axe's own report.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
FAILING = {"serious", "critical"}


@cache
def _source() -> str:
    assert AXE.exists(), f"{AXE} is missing: run `make test` (npm ci in tests/browser)"
    return AXE.read_text(encoding="utf-8")


def axe_context(browser: Browser, **options: Any) -> BrowserContext:
    return browser.new_context(bypass_csp=True, java_script_enabled=True, **options)


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations of the page as it is now (WCAG 2.x A/AA and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_source())
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found: list[dict[str, Any]] = result["violations"]
    return found


def assert_accessible(page: Page) -> None:
    bad = [v for v in violations(page) if v.get("impact") in FAILING]
    report = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in bad
    ]
    assert not bad, f"{page.url}: axe found {json.dumps(report, indent=1)}"


_copies: dict[Browser, Page] = {}


def copy_page(browser: Browser) -> Page:
    """The browser's one page for axe (JavaScript on, CSP bypassed, axe loaded into every
    document it opens): one context for every check, not one each."""
    found = _copies.get(browser)
    if found is None or found.is_closed():
        context = axe_context(browser, locale="en-GB")
        context.add_init_script(script=_source())
        found = _copies[browser] = context.new_page()
    return found


def check(page: Page) -> None:
    """axe on the page a test has open (JavaScript off, as the pages are made to be used).

    Its document — the node's answer to a GET or to a POST, with its inline style — is
    served once more, at its own URL and in the same viewport, to :func:`copy_page`, and axe
    runs there. Nothing is sent to the node again: no form is re-posted, no one-time code or
    link used twice."""
    browser = page.context.browser
    assert browser is not None
    url, document = page.url, page.content()
    copy = copy_page(browser)
    if page.viewport_size is not None:
        copy.set_viewport_size(page.viewport_size)

    def same(requested: str) -> bool:
        return requested == url

    copy.route(
        same,
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=document
        ),
    )
    try:
        copy.goto("about:blank")  # a new document even where only the fragment differs
        copy.goto(url)
        assert_accessible(copy)
    finally:
        copy.unroute(same)
