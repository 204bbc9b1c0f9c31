"""Bitstring Status List encoding, with the specification's own example as known answer."""

from __future__ import annotations

import base64
import gzip

import pytest

from node.status.bitstring import MIN_ENTRIES, Bitstring

# Bitstring Status List v1.0, Example 1/3 ("encodedList" of an all-zero 131,072-entry list)
SPEC_EMPTY = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_spec_empty_list_decodes() -> None:
    bits = Bitstring.decode(SPEC_EMPTY)
    assert bits.size == MIN_ENTRIES
    assert not any(bits.get(i) for i in (0, 1, 94567, MIN_ENTRIES - 1))


def test_our_empty_list_round_trips_and_is_stable() -> None:
    empty = Bitstring()
    assert empty.encode() == Bitstring().encode(), "no timestamp in the gzip header"
    assert Bitstring.decode(empty.encode()).size == MIN_ENTRIES


def test_index_zero_is_the_leftmost_bit() -> None:
    bits = Bitstring(16)
    bits.set(0)
    bits.set(9)
    encoded = bits.encode()[1:]  # "u" + base64url(gzip(bits))
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert raw == bytes([0b1000_0000, 0b0100_0000])
    decoded = Bitstring.decode(bits.encode())
    assert [i for i in range(16) if decoded.get(i)] == [0, 9]
    decoded.set(0, False)
    assert not decoded.get(0)


def test_bounds_and_garbage() -> None:
    bits = Bitstring(8)
    with pytest.raises(IndexError):
        bits.get(8)
    with pytest.raises(ValueError):
        Bitstring(12)
    with pytest.raises(ValueError):
        Bitstring.decode("u!!!not-base64")
