"""The gettext catalogues (``node/i18n/locale/<lang>/LC_MESSAGES/messages.po``) of the
pages, mails and error messages people read: English source strings, translated into the
other :data:`LANGUAGES`.

The build compiles each ``.po`` to its ``.mo`` (``make messages-compile``); a ``.mo`` that is
missing or older than its ``.po`` (a plain ``pip install -e .``, a ``.po`` just edited) is
compiled in memory from the ``.po`` at first use instead. Loaded once per language.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: Final = ("en", "de", "es", "fi")
LOCALE_DIR: Final = Path(__file__).parent / "locale"
DOMAIN: Final = "messages"


def gettext_noop(message: str) -> str:
    """Marks a source string for extraction where it is defined (a table); translated
    where it is shown."""
    return message


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(po: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (fuzzy entries left out, as ``pybabel compile``)."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def load(po: Path) -> gettext.GNUTranslations:
    """A ``.po`` file's translations: from its ``.mo`` when that is at least as new."""
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        data = mo.read_bytes()
    else:
        data = compile_po(po)
    return gettext.GNUTranslations(BytesIO(data))


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations of ``lang``; the source strings (English) for a language without a
    catalogue."""
    po = po_path(lang)
    return load(po) if po.is_file() else gettext.NullTranslations()


def translator(lang: str) -> gettext.NullTranslations:
    """The translations of one of :data:`LANGUAGES` (English for any other)."""
    return translations(lang if lang in LANGUAGES else "en")
