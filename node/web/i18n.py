"""The languages of the pages, the choice of one per request, and the texts: gettext
catalogues with English source strings (node/i18n/)."""

from __future__ import annotations

from typing import Final

from node.i18n.catalogues import LANGUAGES, translator
from node.web.texts import TEXTS

__all__ = ["LANGUAGES", "NAMES", "choose", "has_text", "t"]

NAMES: Final = {"en": "English", "de": "Deutsch", "es": "Español", "fi": "Suomi"}


def choose(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the browser's ``Accept-Language`` (q-values), then English."""
    if query and query.lower() in LANGUAGES:
        return query.lower()
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().split("-")[0].lower()
        if base in LANGUAGES and quality > 0:
            ranked.append((-quality, position, base))
    return min(ranked)[2] if ranked else "en"


def t(lang: str, key: str) -> str:
    """The text of a key of :data:`node.web.texts.TEXTS` in ``lang`` (the key if unknown)."""
    message = TEXTS.get(key)
    return translator(lang).gettext(message) if message is not None else key


def has_text(key: str) -> bool:
    """Whether ``key`` is a text."""
    return key in TEXTS
