"""axe-core (npm, pinned in tests/browser/package.json) run inside a page: the accessibility
check every browser test applies to each page it opens.

The pages run no script of their own and forbid scripts by CSP, so axe runs in a context
made with ``bypass_csp=True`` and JavaScript on (:func:`axe_context`), injected with
``page.evaluate``. A serious or critical violation fails the test with axe's own report.
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
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
    )
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
