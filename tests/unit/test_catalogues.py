"""The page catalogues: the committed .pot is what the code and templates say, every text is
translated into de, es and fi with the same placeholders and valid plural forms, and a
catalogue works without a compiled .mo."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from node.i18n import catalogues
from node.i18n.catalogues import LANGUAGES, translator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "node" / "web" / "templates"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
# The Makefile's BABEL_KEYWORDS, beside Babel's own (_, gettext, ngettext, pgettext, …)
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_noop": None}
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=path.parent.parent.name if path.suffix == ".po" else None)


def _ids(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_the_template_is_up_to_date_with_code_and_templates() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = list(extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS))
    extracted = {(c, m if isinstance(m, str) else m[0]) for _f, _l, m, _c, c in found}
    templates = {p.name for p in TEMPLATES.glob("*.html") if "_(" in p.read_text()}
    assert templates <= {Path(f).name for f, *_ in found if f.endswith(".html")}
    committed = _ids(_read(catalogues.LOCALE_DIR / "messages.pot"))
    assert extracted == committed, "run `make messages` and translate what is new"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_text_of_the_template(lang: str) -> None:
    template = _ids(_read(catalogues.LOCALE_DIR / "messages.pot"))
    assert _ids(_read(catalogues.po_path(lang))) == template


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_is_translated_with_the_same_placeholders(lang: str) -> None:
    catalog = _read(catalogues.po_path(lang))
    assert catalog.num_plurals == 2  # de, es, fi: one, other
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert len(strings) == (1 if isinstance(message.id, str) else catalog.num_plurals)
        wanted = set(_PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert string, message.id
            assert set(_PLACEHOLDER.findall(string)) == wanted, (message.id, string)
            # a template's _() formats with %: a lone % in a translation would break the page
            assert string.count("%") == ids[-1].count("%"), (message.id, string)
        assert not list(message.check(catalog)), message.id


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "1 day", "2 days"),
        ("de", "1 Tag", "2 Tage"),
        ("es", "1 día", "2 días"),
        ("fi", "1 päivän", "2 päivää"),
    ],
)
def test_a_plural_message_follows_the_number(lang: str, one: str, two: str) -> None:
    tr = translator(lang)
    assert tr.ngettext("{n} day", "{n} days", 1).format(n=1) == one
    assert tr.ngettext("{n} day", "{n} days", 2).format(n=2) == two


def test_a_missing_or_stale_compiled_file_is_compiled_in_memory(tmp_path: Path) -> None:
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    text = catalogues.po_path("de").read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Prüfen"', 'msgstr "Alt"'), encoding="utf-8")
    mo = po.with_suffix(".mo")
    assert catalogues.load(po).gettext("Verify") == "Alt"  # no .mo at all
    mo.write_bytes(catalogues.compile_po(po))
    po.write_text(text, encoding="utf-8")  # the .po edited after the build
    os.utime(mo, (1_000_000, 1_000_000))
    assert catalogues.load(po).gettext("Verify") == "Prüfen"  # the stale .mo is not read
    os.utime(mo, None)
    assert catalogues.load(po).gettext("Verify") == "Alt"  # a fresh one is


def test_an_unknown_language_is_english() -> None:
    assert translator("xx").gettext("Verify") == "Verify"
