from __future__ import annotations

import hashlib

import pytest
import rfc8785

from tests.unit._vc_helpers import load
from vc.digest import (
    data_integrity_digest,
    digest_hex,
    jwt_digest,
    leaf_digest,
    sd_jwt_digest,
)
from vc.errors import MalformedError


def test_data_integrity_digest_is_sha256_of_jcs_with_proof() -> None:
    signed = load("eddsa-rdfc-2022/signedDataInt.json")
    expected = hashlib.sha256(rfc8785.dumps(signed)).digest()
    assert data_integrity_digest(signed) == expected == leaf_digest(signed)
    reordered = dict(reversed(list(signed.items())))  # a wallet re-serialising the JSON
    assert data_integrity_digest(reordered) == expected
    without_proof = {k: v for k, v in signed.items() if k != "proof"}
    assert data_integrity_digest(without_proof) != expected


def test_jwt_and_sd_jwt_digests() -> None:
    token = "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.c2ln"
    assert jwt_digest(token) == hashlib.sha256(token.encode()).digest() == leaf_digest(token)
    sd_jwt = token + "~WyJzYWx0IiwiYSIsMV0~"
    assert sd_jwt_digest(sd_jwt) == jwt_digest(token) == leaf_digest(sd_jwt)
    assert len(digest_hex(jwt_digest(token))) == 64


def test_digest_errors() -> None:
    with pytest.raises(MalformedError):
        jwt_digest("not-a-jws")
    with pytest.raises(MalformedError):
        jwt_digest("ä.b.c")
    with pytest.raises(MalformedError):
        data_integrity_digest({"x": float("nan")})
    with pytest.raises(ValueError):
        digest_hex(b"short")
