"""vc.jcs must be byte-identical to the reference ``rfc8785`` package — or raise alike."""

from __future__ import annotations

import enum
import math
import random
import struct
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785

from tests.unit._vc_helpers import VECTORS, load
from vc import jcs


def _same(value: Any) -> None:
    try:
        expected: bytes | type[BaseException] = rfc8785.dumps(value)
    except Exception as exc:  # whatever the reference raises, we raise too
        with pytest.raises(type(exc)) as info:
            jcs.dumps(value)
        assert str(info.value) == str(exc)
        return
    assert jcs.dumps(value) == expected
    assert jcs.dumps_str(value) == expected.decode("utf-8")


def test_w3c_vectors() -> None:
    assert jcs.dumps(load("unsigned.json")).decode() == load("eddsa-jcs-2022/canonDocJCS.txt")
    for path in sorted(VECTORS.rglob("*.json")):
        _same(load(str(path.relative_to(VECTORS))))


def test_rendered_credentials() -> None:
    from node.credentials.examples import example_claims, maximal_claims
    from node.credentials.profile import RequirementProfile, validate_claims
    from node.credentials.render import IssuerInfo, to_vcdm2, to_vcdm11_claims
    from node.credentials.vocab import LegalStatus

    issuer = IssuerInfo(
        id="did:web:uni.example",
        name="Universidad de Prueba",
        country="ES",
        legal_status=LegalStatus("public-institution"),
        url="https://uni.example",
    )
    profile = RequirementProfile()
    moment = datetime(2025, 3, 1, 12, tzinfo=UTC)
    raws = [example_claims(n) for n in range(0, 400, 7)] + [maximal_claims()]
    for raw in raws:
        claims = validate_claims(raw, profile)
        for render in (to_vcdm2, to_vcdm11_claims):
            document = render(
                claims,
                credential_id="urn:uuid:0b7e5e1e-8a55-4c1e-9f3e-2d1c0b9a8f7e",
                issuer=issuer,
                valid_from=moment,
                subject_id=raw["learner"].get("did"),
            )
            _same(document)
            _same(claims.model_dump(mode="json", by_alias=True, exclude_none=True))


SPECIAL_NUMBERS: list[Any] = [
    0,
    -0.0,
    0.0,
    1.0,
    -1.0,
    3.0,
    0.1,
    -0.5,
    1e-7,
    1e-6,
    123456789.125,
    1e16,
    1e21,
    1e20,
    1.5e300,
    5e-324,
    1.7976931348623157e308,
    2.0**53,
    2.0**53 - 1,
    -(2.0**53) + 1,
    -(2.0**53),
    2**53 - 1,
    2**53,
    -(2**53) + 1,
    -(2**53),
    10**30,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    None,
]

SPECIAL_STRINGS = [
    "",
    "plain",
    'quote"back\\slash/',
    "".join(chr(c) for c in range(0x20)) + "\x7f",
    "\u2028\u2029\ufeff\uffff\ue000",
    "é漢字",
    "😀 emoji",
    "\U0010ffff",
    "\ud800 lone high",
    "lone low \udfff",
    "\ud83d\ude00 surrogate pair as two code points",
]


@pytest.mark.parametrize("value", SPECIAL_NUMBERS, ids=repr)
def test_numbers(value: Any) -> None:
    _same(value)
    _same([value])
    _same({"n": value, "m": [1, {"k": value}]})


@pytest.mark.parametrize("text", SPECIAL_STRINGS, ids=repr)
def test_strings(text: str) -> None:
    _same(text)
    _same([text])
    _same({text: text, "a": text})


def test_key_order_is_utf16() -> None:
    # U+1F600 is a surrogate pair in UTF-16 (0xD83D…) and sorts *before* U+E000/U+FFFF there,
    # after them in code point order.
    keys = ["\ue000", "\U0001f600", "\uffff", "a", "", "aa", "\u00e9", "\U00010000"]
    _same({k: i for i, k in enumerate(keys)})
    _same({"\U0001f600": 1, "\ue000": 2})
    _same({"\ue000": [{"\U0001f600": 1, "\uffff": 2}]})


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    SIX = 6


@pytest.mark.parametrize(
    "value",
    [
        {1: "int key"},
        {None: 1},
        {"a": {2: "nested int key"}},
        {"set": {1, 2}},
        {"bytes": b"x"},
        (1, 2, (3, "x")),
        [],
        {},
        [[[]]],
        {"t": (1.0, -0.0)},
        OrderedDict([("b", 1), ("a", 2.0)]),
        {"enum": Colour.RED, Colour.RED: 1},
        {"int enum": Level.SIX},
        {"float": 1.0, "list": [2.0, [3.0, {"x": 4.5}]]},
        {"deep": [[[[{"a": [1.0]}]]]], "big": 2**60},
        "top-level string",
        42,
        4.5,
    ],
    ids=repr,
)
def test_types(value: Any) -> None:
    _same(value)


def test_input_is_not_modified() -> None:
    document = {"a": [1.0, {"b": -0.0}], "c": (2.0,)}
    jcs.dumps(document)
    assert document == {"a": [1.0, {"b": -0.0}], "c": (2.0,)}
    assert type(document["a"][0]) is float and type(document["c"]) is tuple


def _random_string(rng: random.Random) -> str:
    pools = [
        (0x20, 0x7E),
        (0x00, 0x1F),
        (0x7F, 0x7FF),
        (0x800, 0xFFFF),  # includes lone surrogates D800–DFFF
        (0xE000, 0xFFFF),
        (0x10000, 0x10FFFF),
    ]
    out = []
    for _ in range(rng.randrange(0, 8)):
        low, high = rng.choice(pools) if rng.random() < 0.5 else pools[0]
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def _random_number(rng: random.Random) -> Any:
    choice = rng.randrange(7)
    if choice == 0:
        return rng.randint(-(2**53) - 5, 2**53 + 5)
    if choice == 1:
        return rng.randint(-1000, 1000)
    if choice == 2:
        return float(rng.randint(-(2**54), 2**54))
    if choice == 3:
        return rng.uniform(-1e6, 1e6)
    if choice == 4:
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]  # any double
    if choice == 5:
        return rng.choice(SPECIAL_NUMBERS)
    return float(rng.randint(-100, 100)) * 10.0 ** rng.randint(-10, 25)


def _random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 0 and roll < 0.25:
        return {
            _random_string(rng): _random_value(rng, depth - 1) for _ in range(rng.randrange(0, 6))
        }
    if depth > 0 and roll < 0.4:
        return [_random_value(rng, depth - 1) for _ in range(rng.randrange(0, 5))]
    if roll < 0.7:
        return _random_string(rng)
    if roll < 0.95:
        return _random_number(rng)
    return rng.choice([True, False, None])


@pytest.mark.parametrize("seed", range(8))
def test_randomized(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(600):
        _same(_random_value(rng, 4))
        # documents that take the fast path: no non-BMP, no lone surrogates, integral floats
        safe = {
            "".join(c for c in _random_string(rng) if c < "\ud800" or "\ue000" <= c <= "\uffff"): [
                float(rng.randint(-(2**52), 2**52)),
                rng.randint(-(2**53) + 1, 2**53 - 1),
                "".join(c for c in _random_string(rng) if c < "\ud800"),
            ]
            for _ in range(rng.randrange(1, 5))
        }
        _same(safe)
