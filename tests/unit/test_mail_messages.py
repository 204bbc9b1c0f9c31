"""The mails in the recipient's language: the links whole on their own lines, the PIN never
in them, the minutes a plural."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.mail import messages

LINK = (
    "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Funi-a.example%2Foid4vci%2Foffers%2F"
    + "x" * 43
)


@pytest.mark.parametrize(
    ("lang", "subject", "fifteen", "one"),
    [
        ("en", "Your sign-in link", "for 15 minutes.", "for 1 minute."),
        ("de", "Ihr Anmeldelink", "15 Minuten lang.", "1 Minute lang."),
        ("es", "Su enlace de inicio de sesión", "durante 15 minutos.", "durante 1 minuto."),
        ("fi", "Kirjautumislinkkisi", "15 minuutin ajan.", "1 minuutin ajan."),
    ],
)
def test_the_sign_in_mail_is_in_the_pages_language(
    lang: str, subject: str, fifteen: str, one: str
) -> None:
    url = "https://uni-a.example/learner/link/" + "a" * 43
    got_subject, body = messages.sign_in_link(lang, "Eva García", url, 15)
    assert got_subject == subject
    assert url in body.splitlines() and "Eva García" in body
    assert fifteen in " ".join(body.split())
    assert one in " ".join(messages.sign_in_link(lang, "Eva", url, 1)[1].split())


@pytest.mark.parametrize("lang", ["en", "de", "es", "fi"])
def test_the_offer_mail_keeps_its_links_whole(lang: str) -> None:
    page = "https://uni-a.example/offer/0b6f?code=" + "c" * 43
    until = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    subject, body = messages.wallet_offer(lang, page, LINK, True, until)
    assert subject and subject in messages.wallet_offer(lang, page, LINK, False, until)
    lines = body.splitlines()
    assert page in lines and LINK in lines
    assert all(len(line) <= 76 for line in lines if line not in (page, LINK))
    assert "2026-12-24 18:00 UTC" in body and "PIN" in body
    assert "PIN" not in messages.wallet_offer(lang, page, LINK, False, until)[1]
