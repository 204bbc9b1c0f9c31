"""The verification pages (node/web/templates: autoescaped, inline CSS, no script): what
each shows is decided here, the markup is in the templates."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from node.credentials.model import pick
from node.i18n.catalogues import gettext_noop, translator
from node.lookup.course import CourseMatch
from node.lookup.summary import FIELDS
from node.verification.pipeline import Check
from node.web import labels
from node.web.i18n import has_text, t
from node.web.templating import render

# The summary's fields and the languages of instruction, in the order a person reads them.
_FIELDS = (
    *FIELDS[: FIELDS.index("participation") + 1],
    "language",
    *FIELDS[FIELDS.index("participation") + 1 :],
)
_MARK = {True: ("ok", "✔"), False: ("fail", "✘"), None: ("none", "–")}


def page(lang: str, title: str, body: str, *, switch: str, refresh: int | None = None) -> str:
    """The whole page: ``body`` and ``switch`` are HTML rendered by this module's functions
    (or learner_pages'), put in as they are; ``refresh``: seconds until the browser loads
    the page again (a progress page, without script)."""
    return render(
        lang, "base.html", title=title, body=Markup(body), switch=Markup(switch), refresh=refresh
    )


def link_switch(lang: str, path: str) -> str:
    """Language links (``?lang=``) for pages reached by GET."""
    return render(lang, "switch.html", path=path)


def form_switch(lang: str, credential_text: str) -> str:
    """Language buttons that re-post the credential: a result page stays a result page,
    without JavaScript."""
    return render(lang, "switch.html", credential=credential_text)


def landing(lang: str) -> str:
    """The front page: where employers, learners and developers go from here."""
    entries = [
        (name, href, t(lang, f"h.{name}"), t(lang, f"h.{name}.why"))
        for name, href in (
            ("verify", f"/verify?lang={lang}"),
            ("catalogue", f"/catalogue?lang={lang}"),
            ("learner", f"/learner?lang={lang}"),
            ("docs", "/docs"),
        )
    ]
    return render(lang, "landing.html", entries=entries)


def verify_form(lang: str, *, heading: bool = True) -> str:
    return render(lang, "verify_form.html", heading=heading)


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
    return render(lang, "verdict.html", verdict=verdict, why=why, anchor=anchor)


def content_list(
    lang: str, summary: Mapping[str, Any], vocabulary: Mapping[str, Sequence[str]] | None = None
) -> str:
    """What the credential says; its vocabulary values (``vocabulary``: their codes, see
    node.lookup.summary.vocabulary_of) named in the page's language."""
    shown = labels.named(lang, summary, vocabulary or {})
    rows = [(key, shown[key]) for key in _FIELDS if shown.get(key)]
    return render(lang, "content.html", rows=rows)


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
        text = _sentence(_check_text(lang, check, single), _facts(lang, check))
        items.append(
            {"name": check.name, "css": css, "symbol": symbol, "text": text, "detail": check.detail}
        )
    return render(lang, "checks.html", checks=items)


def result_body(
    lang: str,
    verdict: str,
    summary: dict[str, Any],
    checks: Sequence[Check],
    extra: str = "",
    trust: Mapping[str, Any] | None = None,
    vocabulary: Mapping[str, Sequence[str]] | None = None,
) -> str:
    network = trust.get("network") if trust else None
    single = bool(network and network["singleInstitution"])
    return render(
        lang,
        "result.html",
        verdict_box=verdict_box(lang, verdict, trust),
        extra=Markup(extra),
        content=content_list(lang, summary, vocabulary),
        checks=check_list(lang, checks, single=single),
    )


_DIFFERENCES = {
    "title": gettext_noop("title"),
    "ects": gettext_noop("ECTS credits"),
    "eqf": gettext_noop("EQF level"),
}


def course_match(lang: str, match: CourseMatch | None) -> str:
    """Whether the credential matches the catalogue entry it names ("" when it names none)."""
    if match is None:
        return ""
    gettext = translator(lang).gettext
    return render(
        lang,
        "course_match.html",
        match=match,
        title=pick(match.title, lang) if match.title else match.entry,
        differences=[gettext(_DIFFERENCES[d]) for d in match.differences],
    )


def notice(lang: str, key: str, *, heading: str | None = None) -> str:
    return render(lang, "notice.html", key=key, heading=heading)


# Why a verification has no result, by the error's code; anything else is unreadable input.
_NO_RESULT = {"busy": "e.busy", "verification_timeout": "e.verification_timeout"}


def error_body(lang: str, message: str, code: str = "") -> str:
    """No result: input that is no credential we can read (``message`` says what), or a
    verification that could not run now (``code``: busy, verification_timeout)."""
    why = _NO_RESULT.get(code)
    heading = t(lang, "v.cannot_check" if why else "not_credential")
    return render(
        lang,
        "input_problem.html",
        heading=heading,
        why=t(lang, why or "e.unreadable"),
        message=message,
    )


def qr_error_body(lang: str, key: str, message: str) -> str:
    """An uploaded QR image that yields nothing to verify: why, in the page's language."""
    return render(lang, "qr_problem.html", key=key, message=message)


def print_body(
    lang: str,
    summary: dict[str, Any],
    url: str,
    qr_svg: str,
    vocabulary: Mapping[str, Sequence[str]] | None = None,
) -> str:
    return render(
        lang,
        "print.html",
        title=summary.get("title", t(lang, "title")),
        content=content_list(lang, summary, vocabulary),
        url=url,
        qr_svg=Markup(qr_svg),
    )


def share_note(lang: str, until: str, print_url: str) -> str:
    return render(lang, "share_note.html", until=until, print_url=print_url)
