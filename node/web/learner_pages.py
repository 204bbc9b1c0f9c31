"""Server-rendered HTML of the learner's pages (sign-in, my credentials, share links, the
wallet's consent page) and of the offer page. Escaped; no script; the layout, CSS and
languages of :mod:`node.web.pages`. Every form that changes state carries a CSRF token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from node.learners.accounts import LearnerCredentialView
from node.learners.links import EXPIRY_DAYS, LearnerLink
from node.learners.portal import CopyView, CredentialPage
from node.learners.signin import Learner
from node.wallet.authorization import Pending
from node.wallet.offer_page import OfferPage
from node.wallet.qr import inline_svg
from node.wallet.service import OfferCreated
from node.web.i18n import t, translator
from node.web.pages import content_list


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _period(lang: str, days: int) -> str:
    """How long a share link works: ``1 day``, ``30 days``, ``1 year``."""
    tr = translator(lang)
    if days % 365 == 0:
        years = days // 365
        return tr.ngettext("{n} year", "{n} years", years).format(n=years)
    return tr.ngettext("{n} day", "{n} days", days).format(n=days)


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{_e(name)}" value="{_e(value)}">'


def _form(action: str, csrf: str, lang: str, inner: str, *, css: str = "") -> str:
    klass = f' class="{_e(css)}"' if css else ""
    return (
        f'<form method="post" action="{_e(action)}"{klass}>'
        f"{hidden('csrf', csrf)}{hidden('lang', lang)}{inner}</form>"
    )


def _button(label: str, *, primary: bool = True, name: str = "", value: str = "") -> str:
    attrs = f' name="{_e(name)}" value="{_e(value)}"' if name else ""
    klass = "primary" if primary else "linkish"
    return f'<button class="{klass}" type="submit"{attrs}>{_e(label)}</button>'


def account_bar(lang: str, learner: Learner, csrf: str) -> str:
    sign_out = _form("/learner/sign-out", csrf, lang, _button(t(lang, "l.sign_out"), primary=False))
    return (
        f'<div class="noprint learner-bar"><span>{_e(t(lang, "l.signed_in_as"))} '
        f'<strong id="learner-name">{_e(learner.name)}</strong></span> {sign_out}</div>\n'
    )


def notice(text: str, *, alert: bool = True) -> str:
    role = ' role="alert"' if alert else ' role="status"'
    return f'<p class="notice" id="notice"{role}>{_e(text)}</p>\n'


def sign_in(lang: str, csrf: str, next_path: str, *, message: str = "", email: str = "") -> str:
    keep = hidden("next", next_path)
    password_form = _form(
        "/learner/sign-in",
        csrf,
        lang,
        f"{keep}"
        f'<label for="email">{_e(t(lang, "l.email"))}</label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required '
        f'value="{_e(email)}">'
        f'<label for="password">{_e(t(lang, "l.password"))}</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" '
        "required>"
        f"<div>{_button(t(lang, 'l.sign_in'))}</div>",
    )
    link_form = _form(
        "/learner/sign-in/link",
        csrf,
        lang,
        f'<label for="link-email">{_e(t(lang, "l.email"))}</label>'
        f'<input id="link-email" name="email" type="email" autocomplete="email" required>'
        f"<div>{_button(t(lang, 'l.send_link'))}</div>",
    )
    return (
        f"<h1>{_e(t(lang, 'l.sign_in'))}</h1>\n"
        f"{notice(message) if message else ''}"
        f"<p>{_e(t(lang, 'l.sign_in_intro'))}</p>\n{password_form}\n"
        f"<h2>{_e(t(lang, 'l.or_link'))}</h2>\n{link_form}"
    )


def link_confirm(lang: str, token: str, csrf: str) -> str:
    return (
        f"<h1>{_e(t(lang, 'l.sign_in'))}</h1>\n<p>{_e(t(lang, 'l.link_continue'))}</p>\n"
        + _form(f"/learner/link/{token}", csrf, lang, _button(t(lang, "l.continue")))
    )


def message(lang: str, heading_key: str, text: str, *, alert: bool = True) -> str:
    return f"<h1>{_e(t(lang, heading_key))}</h1>\n{notice(text, alert=alert)}"


def _status(lang: str, state: str) -> str:
    return f'<span data-state="{_e(state)}">{_e(t(lang, "s." + state))}</span>'


def credentials(
    lang: str, learner: Learner, views: Sequence[LearnerCredentialView], csrf: str
) -> str:
    head = f"{account_bar(lang, learner, csrf)}<h1>{_e(t(lang, 'l.my_credentials'))}</h1>\n"
    if not views:
        return head + f"<p>{_e(t(lang, 'l.none'))}</p>"
    cols = ("l.col_title", "l.col_issuer", "l.col_date", "l.col_status")
    header = "".join(f'<th scope="col">{_e(t(lang, c))}</th>' for c in cols)
    rows = "".join(
        f'<tr data-record="{_e(v.record_id)}">'
        f'<th scope="row"><a href="/learner/credentials/{_e(v.record_id)}?lang={_e(lang)}">'
        f"{_e(v.title)}</a></th><td>{_e(v.issuer)}</td><td>{_e(v.date)}</td>"
        f"<td>{_status(lang, v.state)}</td></tr>"
        for v in views
    )
    return head + (
        f'<table class="learner"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>'
    )


def credential(
    lang: str,
    learner: Learner,
    page: CredentialPage,
    links: Sequence[LearnerLink],
    csrf: str,
    now: datetime,
    *,
    created: tuple[str, str] | None = None,
    shareable: bool = True,
    offer: OfferCreated | None = None,
) -> str:
    view = page.view
    parts = [
        account_bar(lang, learner, csrf),
        f'<p class="noprint"><a href="/learner/credentials?lang={_e(lang)}">'
        f"{_e(t(lang, 'l.back'))}</a></p>\n",
        f'<h1>{_e(view.title)}</h1>\n<dl class="content">'
        f"<dt>{_e(t(lang, 'l.col_issuer'))}</dt><dd>{_e(view.issuer)}</dd>"
        f"<dt>{_e(t(lang, 'l.col_date'))}</dt><dd>{_e(view.date)}</dd>"
        f"<dt>{_e(t(lang, 'l.col_status'))}</dt><dd>{_status(lang, view.state)}</dd></dl>\n",
        content_list(lang, page.summary) + "\n",
    ]
    if created is not None:
        url, print_url = created
        parts.append(
            f'<section id="new-link" role="status"><p>{_e(t(lang, "l.new_link"))}</p>'
            f'<p><a class="verify-link" id="share-url" href="{_e(url)}">{_e(url)}</a></p>'
            f'<p><a id="print-url" href="{_e(print_url)}">{_e(t(lang, "l.print_link"))}</a>'
            "</p></section>\n"
        )
    parts.append(_wallet(lang, view.record_id, csrf, page.offerable, offer))
    parts.append(_copies(lang, view.record_id, page.copies))
    parts.append(f"<h2>{_e(t(lang, 'l.share_title'))}</h2>\n")
    if shareable:
        options = "".join(
            f'<option value="{d}"{" selected" if d == 30 else ""}>{_e(_period(lang, d))}</option>'
            for d in EXPIRY_DAYS
        )
        parts.append(
            f"<p>{_e(t(lang, 'l.share_intro'))}</p>\n"
            + _form(
                f"/learner/credentials/{view.record_id}/share-links",
                csrf,
                lang,
                f'<label for="days">{_e(t(lang, "l.expiry"))}</label>'
                f'<select id="days" name="days">{options}</select>'
                f"<div>{_button(t(lang, 'l.create_link'))}</div>",
            )
        )
    else:
        parts.append(f"<p>{_e(t(lang, 'l.not_issued'))}</p>\n")
    parts.append(f"<h2>{_e(t(lang, 'l.links'))}</h2>\n")
    if not links:
        parts.append(f"<p>{_e(t(lang, 'l.no_links'))}</p>")
    else:
        cols = ("l.created", "l.until", "l.state", "l.revoke")
        header = "".join(f'<th scope="col">{_e(t(lang, c))}</th>' for c in cols)
        rows = []
        for link in links:
            state = link.state(now)
            revoke = (
                _form(
                    f"/learner/share-links/{link.id}/revoke",
                    csrf,
                    lang,
                    _button(t(lang, "l.revoke"), primary=False),
                )
                if state == "active"
                else ""
            )
            rows.append(
                f'<tr data-link="{_e(link.id)}" data-state="{state}">'
                f"<td>{_e(_when(link.created_at))}</td><td>{_e(_when(link.expires_at))}</td>"
                f"<td>{_e(t(lang, 'ls.' + state))}</td><td>{revoke}</td></tr>"
            )
        parts.append(
            f'<table class="learner" id="links"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    return "".join(parts)


def consent(lang: str, learner: Learner, pending: Pending, csrf: str) -> str:
    head = (
        f"{account_bar(lang, learner, csrf)}<h1>{_e(t(lang, 'a.title'))}</h1>\n"
        f'<p>{_e(t(lang, "a.intro"))}</p>\n<dl class="content">'
        f'<dt>{_e(t(lang, "a.wallet"))}</dt><dd id="client-id">{_e(pending.client_id)}</dd>'
        f'<dt>{_e(t(lang, "a.returns_to"))}</dt><dd id="wallet-host">'
        f"{_e(pending.wallet_host)}</dd></dl>\n"
    )
    deny = _button(t(lang, "a.deny"), primary=False, name="decision", value="deny")
    if not pending.choices:
        return (
            head
            + notice(t(lang, "a.none"))
            + _form(f"/learner/authorize/{pending.id}", csrf, lang, deny)
        )
    choices = "".join(
        f'<div><input type="radio" name="record_id" id="r-{i}" value="{_e(v.record_id)}"'
        f'{" checked" if i == 0 else ""}> <label class="inline" for="r-{i}">{_e(v.title)} · '
        f"{_e(v.issuer)} · {_e(v.date)}</label></div>"
        for i, v in enumerate(pending.choices)
    )
    approve = _button(t(lang, "a.approve"), name="decision", value="approve")
    return head + _form(
        f"/learner/authorize/{pending.id}",
        csrf,
        lang,
        f"<fieldset><legend>{_e(t(lang, 'a.choose'))}</legend>{choices}</fieldset>"
        f"<div>{approve} {deny}</div>",
    )


def _offer_qr(lang: str, by_reference: str) -> str:
    """The QR code of an offer by reference (small: scans from a phone's screen too)."""
    svg = inline_svg(by_reference, t(lang, "o.scan"))
    return f'<section class="qr offer-qr"><figure id="offer-qr">{svg}</figure></section>\n'


def _wallet_link(lang: str, uri: str) -> str:
    return (
        f'<p><a class="button primary" id="wallet-link" href="{_e(uri)}">'
        f"{_e(t(lang, 'o.button'))}</a></p>\n"
    )


def _wallet(
    lang: str, record_id: str, csrf: str, offerable: bool, offer: OfferCreated | None
) -> str:
    parts = [f"<h2>{_e(t(lang, 'l.wallet_title'))}</h2>\n"]
    if offer is not None:
        parts.append(
            f'<section id="wallet-offer" role="status"><p>{_e(t(lang, "l.wallet_scan"))}</p>\n'
            + _offer_qr(lang, offer.by_reference)
            + _wallet_link(lang, offer.uri)
            + f'<p>{_e(t(lang, "l.wallet_pin"))} <strong id="wallet-pin">'
            f"{_e(offer.tx_code or '')}</strong> · {_e(t(lang, 'l.wallet_pin_note'))}</p>\n"
            f"<p>{_e(t(lang, 'o.until'))} {_e(_when(offer.expires_at))}</p></section>\n"
        )
    if not offerable:
        parts.append(f"<p>{_e(t(lang, 'l.wallet_not_offerable'))}</p>\n")
    elif offer is None:
        parts.append(
            f"<p>{_e(t(lang, 'l.wallet_intro'))}</p>\n"
            + _form(
                f"/learner/credentials/{record_id}/wallet-offers",
                csrf,
                lang,
                f"<div>{_button(t(lang, 'l.wallet_button'))}</div>",
            )
        )
    return "".join(parts)


def _copies(lang: str, record_id: str, copies: Sequence[CopyView]) -> str:
    head = f"<h2>{_e(t(lang, 'l.copies_title'))}</h2>\n"
    if not copies:
        return head + f"<p>{_e(t(lang, 'l.copies_none'))}</p>\n"
    cols = ("l.col_format", "l.created", "l.download")
    header = "".join(f'<th scope="col">{_e(t(lang, c))}</th>' for c in cols)
    rows = "".join(
        f'<tr data-copy="{c.id}" data-format="{_e(c.format)}"><td><code>{_e(c.format)}</code>'
        f"</td><td>{_e(_when(c.created_at))}</td><td>"
        f'<a href="/learner/credentials/{_e(record_id)}/copies/{c.id}" download>'
        f"{_e(t(lang, 'l.download'))}</a></td></tr>"
        for c in copies
    )
    return (
        head
        + f"<p>{_e(t(lang, 'l.copies_intro'))}</p>\n"
        + f'<table class="learner" id="copies"><thead><tr>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table>\n"
    )


def offer(lang: str, page: OfferPage) -> str:
    if page.state != "open":
        return message(lang, "o.title", t(lang, f"o.{page.state}"))
    pin = (
        f'{_e(t(lang, "o.pin"))} <a href="/learner/credentials?lang={_e(lang)}">'
        f"{_e(t(lang, 'o.portal'))}</a>"
        if page.needs_pin
        else _e(t(lang, "o.no_pin"))
    )
    return (
        f"<h1>{_e(t(lang, 'o.title'))}</h1>\n"
        f'<dl class="content"><dt>{_e(t(lang, "f.title"))}</dt><dd id="offer-title">'
        f"{_e(page.title)}</dd><dt>{_e(t(lang, 'f.awardingBody'))}</dt><dd>{_e(page.issuer)}"
        f"</dd></dl>\n<p>{_e(t(lang, 'o.scan'))}</p>\n"
        + _offer_qr(lang, page.by_reference)
        + _wallet_link(lang, page.uri)
        + f'<p id="pin-hint">{pin}</p>\n'
        f"<p>{_e(t(lang, 'o.until'))} {_e(_when(page.expires_at))}</p>"
    )
