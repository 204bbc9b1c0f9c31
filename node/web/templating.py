"""The Jinja2 environment of the pages: templates in node/web/templates, autoescaped, with
the gettext functions (``_``, ``ngettext``, ``pgettext``; newstyle) of one language and
``t(key)`` for the texts the code chooses by key (node/web/texts.py). One environment per
language, built at first use."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from node.i18n.catalogues import LANGUAGES, translator
from node.web.i18n import NAMES, t


@cache
def _css() -> Markup:
    css = resources.files("node.web").joinpath("static/style.css").read_text(encoding="utf-8")
    return Markup(css)  # our own file, inlined: no request for a style sheet


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("node.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        lang=lang,
        t=lambda key: t(lang, key),
        languages=[(code, NAMES[code]) for code in LANGUAGES],
        css=_css(),
    )
    return env


def render(lang: str, name: str, **context: Any) -> Markup:
    """A template rendered in ``lang`` (HTML, safe to put into another template)."""
    return Markup(environment(lang).get_template(name).render(**context))
