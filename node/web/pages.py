"""Server-rendered HTML of the verification pages (escaped; inline CSS; no script)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from importlib import resources
from typing import Any

from node.lookup.summary import FIELDS
from node.verification.pipeline import Check
from node.web.i18n import LANGUAGES, NAMES, has_text, t

_CSS = resources.files("node.web").joinpath("static/style.css").read_text(encoding="utf-8")
_MARK = {True: ("ok", "✔"), False: ("fail", "✘"), None: ("none", "–")}


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def page(lang: str, title: str, body: str, *, switch: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header><span class="site">credreg</span>{switch}</header>\n'
        f'<main id="main">\n{body}\n</main>\n</body>\n</html>\n'
    )


def link_switch(lang: str, path: str) -> str:
    """Language links (``?lang=``) for pages reached by GET."""
    items = "".join(
        f'<li><a href="{_e(path)}?lang={code}" hreflang="{code}" lang="{code}"'
        + (' aria-current="true"' if code == lang else "")
        + f">{_e(NAMES[code])}</a></li>"
        for code in LANGUAGES
    )
    return f'<nav aria-label="{_e(t(lang, "language"))}"><ul>{items}</ul></nav>'


def form_switch(lang: str, credential_text: str) -> str:
    """Language buttons that re-post the credential: a result page stays a result page,
    without JavaScript."""
    buttons = "".join(
        f'<button class="linkish" type="submit" name="lang" value="{code}" lang="{code}"'
        f' aria-pressed="{"true" if code == lang else "false"}">{_e(NAMES[code])}</button>'
        for code in LANGUAGES
    )
    return (
        f'<nav aria-label="{_e(t(lang, "language"))}"><form method="post" action="/verify">'
        f'<input type="hidden" name="credential" value="{_e(credential_text)}">'
        f"{buttons}</form></nav>"
    )


def landing(lang: str) -> str:
    """The front page: where employers, learners and developers go from here."""
    entries = "".join(
        f'<li><a id="to-{name}" href="{_e(href)}">{_e(t(lang, f"h.{name}"))}</a>'
        f"<p>{_e(t(lang, f'h.{name}.why'))}</p></li>"
        for name, href in (
            ("verify", f"/verify?lang={lang}"),
            ("learner", f"/learner?lang={lang}"),
            ("docs", "/docs"),
        )
    )
    return (
        f"<h1>{_e(t(lang, 'h.title'))}</h1>\n<p>{_e(t(lang, 'h.intro'))}</p>\n"
        f'<ul class="entries">{entries}</ul>'
    )


def verify_form(lang: str, *, heading: bool = True) -> str:
    head = (
        f"<h1>{_e(t(lang, 'title'))}</h1>\n<p>{_e(t(lang, 'intro'))}</p>\n"
        if heading
        else f"<h2>{_e(t(lang, 'again'))}</h2>\n"
    )
    return (
        f"{head}"
        f'<form method="post" action="/verify" enctype="multipart/form-data">\n'
        f'<input type="hidden" name="lang" value="{_e(lang)}">\n'
        f'<label for="credential">{_e(t(lang, "paste"))}</label>\n'
        '<textarea id="credential" name="credential" spellcheck="false" autocomplete="off">'
        "</textarea>\n"
        f'<label for="file">{_e(t(lang, "upload"))}</label>\n'
        '<input id="file" name="file" type="file" accept=".json,.jwt,.txt,application/json">\n'
        f'<label for="qr">{_e(t(lang, "upload_qr"))}</label>\n'
        '<input id="qr" name="qr" type="file" accept="image/png,image/jpeg">\n'
        f'<div><button class="primary" type="submit">{_e(t(lang, "submit"))}</button></div>\n'
        "</form>"
    )


def _network(lang: str, network: Mapping[str, Any]) -> str:
    chain = network["chainId"]
    if network.get("name"):
        return t(lang, "trust.named").format(name=network["name"], chain=chain)
    return t(lang, "trust.chain").format(chain=chain)


def _issuer(issuer: Mapping[str, str]) -> str:
    """``Universidad Ejemplo (uni-a.example)``; the domain or the DID when that is all."""
    name, domain = issuer.get("name"), issuer.get("domain")
    if name and domain:
        return f"{name} ({domain})"
    return name or domain or issuer.get("did") or "?"


def verdict_box(lang: str, verdict: str, trust: Mapping[str, Any] | None = None) -> str:
    """The verdict, and whom it relies on: the issuer, the network and — plainly — when
    the trust anchor is one institution's own chain."""
    why = t(lang, "v." + verdict + ".why")
    network = trust.get("network") if trust else None
    anchor = ""
    if trust is not None and network is not None:
        values = {
            "issuer": _issuer(trust["issuer"]),
            "network": _network(lang, network),
            "members": network["members"],
        }
        single = network["singleInstitution"]
        if verdict == "valid":
            why = t(lang, "v.valid.single" if single else "v.valid.network").format(**values)
        elif verdict != "invalid":
            anchor = t(lang, "trust.network").format(**values)
        if single and verdict != "invalid":
            anchor = (anchor + " " if anchor else "") + t(lang, "trust.single").format(**values)
    note = f'<p id="trust" class="trust">{_e(anchor)}</p>\n' if anchor else ""
    return (
        f'<section id="verdict" class="verdict {_e(verdict)}" data-verdict="{_e(verdict)}"'
        f' role="status" aria-labelledby="verdict-title">\n'
        f'<h2 id="verdict-title">{_e(t(lang, "v." + verdict))}</h2>\n'
        f"<p>{_e(why)}</p>\n{note}</section>"
    )


def content_list(lang: str, summary: dict[str, Any]) -> str:
    rows = []
    for key in FIELDS:
        value = summary.get(key)
        if not value:
            continue
        if isinstance(value, list):
            shown = "<ul>" + "".join(f"<li>{_e(v)}</li>" for v in value) + "</ul>"
        else:
            shown = _e(value)
        rows.append(f'<dt>{_e(t(lang, "f." + key))}</dt><dd data-field="{key}">{shown}</dd>')
    if not rows:
        return ""
    return (
        f'<section aria-labelledby="content-title"><h2 id="content-title">'
        f'{_e(t(lang, "content"))}</h2>\n<dl class="content">{"".join(rows)}</dl></section>'
    )


_SINCE = re.compile(r"since (\d{4}-\d{2}-\d{2})")
_BLOCK = re.compile(r"block (\d+) at (\d{4}-\d{2}-\d{2} \d{2}:\d{2})")


def _facts(lang: str, check: Check) -> str:
    """The facts a person wants in the plain sentence: member since when, which block."""
    if check.ok is not True:
        return ""
    if check.name == "membership" and (since := _SINCE.search(check.detail)):
        return f" ({t(lang, 'since')} {since.group(1)})"
    if check.name == "anchor" and (block := _BLOCK.search(check.detail)):
        return f" ({t(lang, 'block')} {block.group(1)}, {block.group(2)} UTC)"
    return ""


def _sentence(text: str, facts: str) -> str:
    if facts and text.endswith("."):
        return f"{text[:-1]}{facts}."
    return text + facts


def _check_text(lang: str, check: Check, single: bool) -> str:
    """The plain sentence of a check: by its outcome, made precise by why a check did not
    run (its ledger record is pending, no record matches, …) and by a single-institution
    chain (no "network member" there)."""
    code = {True: "1", False: "0", None: "n"}[check.ok]
    keys = [f"c.{check.name}.{code}"]
    if check.state:
        keys.insert(0, f"c.{check.name}.{check.state}")
    if single:
        keys.insert(0, f"c.{check.name}.{code}.single")
    return next((t(lang, key) for key in keys if has_text(key)), t(lang, keys[-1]))


def check_list(lang: str, checks: Sequence[Check], *, single: bool = False) -> str:
    items = []
    for check in checks:
        css, symbol = _MARK[check.ok]
        facts = _facts(lang, check)
        text = _check_text(lang, check, single)
        items.append(
            f'<li data-check="{_e(check.name)}" data-ok="{css}">'
            f'<span class="mark {css}"><span aria-hidden="true">{symbol}</span> '
            f"{_e(t(lang, css))}</span> {_e(_sentence(text, facts))}"
            f"<details><summary>{_e(t(lang, 'technical'))}</summary>"
            f"<code>{_e(check.name)}: {_e(check.detail)}</code></details></li>"
        )
    return (
        f'<section aria-labelledby="checks-title"><h2 id="checks-title">'
        f'{_e(t(lang, "checks"))}</h2>\n<ol class="checks">{"".join(items)}</ol></section>'
    )


def result_body(
    lang: str,
    verdict: str,
    summary: dict[str, Any],
    checks: Sequence[Check],
    extra: str = "",
    trust: Mapping[str, Any] | None = None,
) -> str:
    network = trust.get("network") if trust else None
    single = bool(network and network["singleInstitution"])
    return (
        f"<h1>{_e(t(lang, 'result'))}</h1>\n{verdict_box(lang, verdict, trust)}\n{extra}"
        f"{content_list(lang, summary)}\n{check_list(lang, checks, single=single)}"
    )


def notice(lang: str, key: str, *, heading: str | None = None) -> str:
    title = f"<h1>{_e(heading)}</h1>\n" if heading else ""
    return f'{title}<p class="notice" id="notice" role="alert">{_e(t(lang, key))}</p>'


def error_body(lang: str, message: str) -> str:
    return (
        f'<section id="verdict" class="verdict cannot_check" data-verdict="not_a_credential"'
        f' role="alert"><h2>{_e(t(lang, "not_credential"))}</h2><p>{_e(message)}</p></section>'
    )


def qr_error_body(lang: str, key: str, message: str) -> str:
    """An uploaded QR image that yields nothing to verify: why, in the page's language."""
    return (
        f'<section id="verdict" class="verdict cannot_check" data-verdict="qr_unreadable"'
        f' role="alert"><h2>{_e(t(lang, "qr.problem"))}</h2><p>{_e(t(lang, key))}</p>'
        f"<details><summary>{_e(t(lang, 'technical'))}</summary><code>{_e(message)}</code>"
        "</details></section>"
    )


def print_body(lang: str, summary: dict[str, Any], url: str, qr_svg: str) -> str:
    return (
        f"<h1>{_e(summary.get('title', t(lang, 'title')))}</h1>\n"
        f"{content_list(lang, summary)}\n"
        f'<section class="qr" aria-labelledby="qr-title"><h2 id="qr-title">'
        f"{_e(t(lang, 'print_hint'))}</h2>\n<figure>{qr_svg}\n"
        f'<figcaption><a class="verify-link" href="{_e(url)}">{_e(url)}</a></figcaption>'
        "</figure></section>"
    )


def share_note(lang: str, until: str, print_url: str) -> str:
    return (
        f'<p class="noprint">{_e(t(lang, "shared_until"))} {_e(until)} · '
        f'<a id="print-link" href="{_e(print_url)}">{_e(t(lang, "print"))}</a></p>\n'
    )
