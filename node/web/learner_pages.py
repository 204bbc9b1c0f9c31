"""The learner's pages (sign-in, my credentials, share links, the wallet's consent page) and
the offer page: what each shows is decided here, the markup is in node/web/templates
(autoescaped, no script; the layout, CSS and languages of :mod:`node.web.pages`). Every form
that changes state carries a CSRF token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup

from node.i18n.catalogues import translator
from node.issuance.views import LearnerCredentialView
from node.learners.links import EXPIRY_DAYS, LearnerLink
from node.learners.portal import CredentialPage
from node.learners.signin import Learner
from node.wallet.authorization import Pending
from node.wallet.offer_page import OfferPage
from node.wallet.offers import OfferCreated
from node.wallet.qr import inline_svg
from node.web.i18n import t
from node.web.pages import content_list
from node.web.templating import render


def _period(lang: str, days: int) -> str:
    """How long a share link works: ``1 day``, ``30 days``, ``1 year``."""
    tr = translator(lang)
    if days % 365 == 0:
        years = days // 365
        return tr.ngettext("{n} year", "{n} years", years).format(n=years)
    return tr.ngettext("{n} day", "{n} days", days).format(n=days)


def sign_in(lang: str, csrf: str, next_path: str, *, message: str = "", email: str = "") -> str:
    return render(
        lang, "sign_in.html", csrf=csrf, next_path=next_path, message=message, email=email
    )


def link_confirm(lang: str, token: str, csrf: str) -> str:
    return render(lang, "link_confirm.html", token=token, csrf=csrf)


def message(lang: str, heading_key: str, text: str, *, alert: bool = True) -> str:
    return render(lang, "message.html", heading_key=heading_key, text=text, alert=alert)


def credentials(
    lang: str, learner: Learner, views: Sequence[LearnerCredentialView], csrf: str
) -> str:
    return render(lang, "credentials.html", learner=learner, views=views, csrf=csrf)


def _offer_svg(lang: str, by_reference: str) -> Markup:
    """The QR code of an offer by reference (small: scans from a phone's screen too)."""
    return Markup(inline_svg(by_reference, t(lang, "o.scan")))  # segno's SVG, text escaped


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
    return render(
        lang,
        "credential.html",
        learner=learner,
        csrf=csrf,
        view=page.view,
        content=content_list(lang, page.summary, page.vocabulary),
        created=created,
        offer=offer,
        offer_svg=_offer_svg(lang, offer.by_reference) if offer else Markup(),
        offerable=page.offerable,
        copies=page.copies,
        shareable=shareable,
        periods=[(days, _period(lang, days)) for days in EXPIRY_DAYS],
        links=[(link, link.state(now)) for link in links],
    )


def consent(lang: str, learner: Learner, pending: Pending, csrf: str) -> str:
    return render(lang, "consent.html", learner=learner, pending=pending, csrf=csrf)


def offer(lang: str, page: OfferPage) -> str:
    if page.state != "open":
        return message(lang, "o.title", t(lang, f"o.{page.state}"))
    return render(lang, "offer.html", page=page, svg=_offer_svg(lang, page.by_reference))
