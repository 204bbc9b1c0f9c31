"""What the node mails, in the recipient's language (the catalogues, node/i18n): the
sign-in link and the wallet offer. A message is (subject, body): plain text, paragraphs
wrapped, links on lines of their own."""

from __future__ import annotations

import textwrap
from datetime import datetime

from node.i18n.catalogues import translator

_WIDTH = 76


def _body(*paragraphs: str) -> str:
    """Paragraphs wrapped to the width a mail reader expects; a link is never broken."""
    return "\n".join(
        textwrap.fill(p, _WIDTH, break_long_words=False, break_on_hyphens=False) for p in paragraphs
    )


def sign_in_link(lang: str, name: str, url: str, minutes: int) -> tuple[str, str]:
    tr = translator(lang)
    works = tr.ngettext(
        "It works once, for {minutes} minute. If you did not ask for it, ignore this message.",
        "It works once, for {minutes} minutes. If you did not ask for it, ignore this message.",
        minutes,
    )
    return tr.gettext("Your sign-in link"), _body(
        tr.gettext("Hello {name},").format(name=name),
        "",
        tr.gettext("Open this link to sign in to your learner account:"),
        url,
        "",
        works.format(minutes=minutes),
    )


def wallet_offer(
    lang: str, page_url: str, link: str, needs_pin: bool, expires_at: datetime
) -> tuple[str, str]:
    """The offer page and the wallet link; never the PIN (whoever holds the mailbox would
    hold both factors)."""
    tr = translator(lang)
    pin = (
        tr.gettext(
            "Your wallet will ask for a PIN. It is not in the e-mail: the person at your "
            "institution who prepared the offer gives it to you. With a learner account you "
            "can also sign in and choose “Add to my wallet” for a new offer and its PIN."
        )
        if needs_pin
        else ""
    )
    until = tr.gettext("The offer is valid until {time}.")
    return tr.gettext("Your micro-credential is ready for your wallet"), _body(
        tr.gettext("Your micro-credential can now be added to your wallet."),
        "",
        tr.gettext("Open this page to see it and its QR code:"),
        page_url,
        "",
        tr.gettext("Or open this link on the device with your wallet:"),
        link,
        "",
        *((pin, "") if pin else ()),
        until.format(time=expires_at.strftime("%Y-%m-%d %H:%M UTC")),
    )
