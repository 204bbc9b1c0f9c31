"""The page templates: autoescaped, no script (but JSON-LD data blocks) and nothing loaded
from elsewhere (the pages' CSP allows neither), every language renders them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from node.i18n.catalogues import LANGUAGES
from node.web import pages
from node.web.templating import render

TEMPLATES = Path(__file__).resolve().parents[2] / "node" / "web" / "templates"
# /docs is Swagger UI: its own script, served by the node (node/api/routes_docs.py)
PAGES = sorted(p for p in TEMPLATES.glob("*.html") if p.name != "api_docs.html")


@pytest.mark.parametrize("template", PAGES, ids=lambda p: p.name)
def test_a_page_template_has_no_script_and_loads_nothing(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    # a data block is no script: JSON-LD for search engines, never run (nor allowed by CSP)
    text = text.replace('<script type="application/ld+json">', "<data-block>")
    assert "<script" not in text and "javascript:" not in text
    assert not re.search(r"\son\w+=", text)  # no event handler attributes
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", text)
    assert "<link" not in text and "@import" not in text


def test_values_are_escaped_and_translations_are_in_the_page() -> None:
    html = pages.notice("de", "link_expired", heading="<b>Titel</b>")
    assert "&lt;b&gt;Titel&lt;/b&gt;" in html and "<b>" not in html
    assert "abgelaufen" in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_renders_the_layout(lang: str) -> None:
    body = pages.verify_form(lang)
    html = pages.page(lang, "<T>", body, switch=pages.link_switch(lang, "/verify"))
    assert html.startswith("<!doctype html>") and f'<html lang="{lang}">' in html
    assert "<title>&lt;T&gt;</title>" in html and body in html
    assert render(lang, "switch.html", path="/verify").count("<a ") == len(LANGUAGES)
