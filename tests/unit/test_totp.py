"""TOTP against RFC 6238 Appendix B (SHA-1) and RFC 4226 Appendix D, and the window rules."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from node.staff import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()  # the RFCs' ASCII key


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_sha1_vectors(moment: int, code: str) -> None:
    assert totp.hotp(RFC_SECRET, totp.step_of(moment), digits=8) == code


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    assert [totp.hotp(RFC_SECRET, c) for c in range(5)] == expected


def test_a_code_is_good_one_step_either_side_and_only_once() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.step_of(now)
    code = totp.code_at(secret, now)
    assert totp.accepted_step(secret, code, None, now) == step
    assert totp.accepted_step(secret, code, step, now) is None, "replayed"
    assert totp.accepted_step(secret, code, None, now + 30) == step, "a step late: drift"
    assert totp.accepted_step(secret, code, None, now + 61) is None, "two steps late"
    earlier = totp.code_at(secret, now - 30)
    assert totp.accepted_step(secret, earlier, step, now) is None, "older than the last used"
    assert totp.accepted_step(secret, code[:3] + " " + code[3:], None, now) == step
    for bad in ("", "12345", "1234567", "abcdef"):
        assert totp.accepted_step(secret, bad, None, now) is None


def test_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "reg.one", "uni-a.example")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/uni-a.example%3Areg.one"
    query = parse_qs(parts.query)
    assert query == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["uni-a.example"],
        "digits": ["6"],
        "period": ["30"],
    }
    fresh = totp.new_secret()
    assert len(base64.b32decode(fresh + "=" * (-len(fresh) % 8))) == totp.SECRET_BYTES
