"""The bitstring of a W3C Bitstring Status List (v1.0 §3.1, §4.1).

Index 0 is the left-most (most significant) bit of the first byte. ``encodedList`` is the
multibase base64url (no padding, prefix ``u``) of the GZIP-compressed bitstring; lists are at
least 16 KB (131,072 entries) for herd privacy (§6.1).
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

MIN_ENTRIES = 131_072


class Bitstring:
    def __init__(self, size: int = MIN_ENTRIES, data: bytes | None = None) -> None:
        if size <= 0 or size % 8:
            raise ValueError("a status list holds a positive multiple of 8 entries")
        self.size = size
        self._bits = bytearray(data if data is not None else size // 8)
        if len(self._bits) != size // 8:
            raise ValueError(f"{len(self._bits)} bytes do not hold {size} entries")

    @classmethod
    def with_set(cls, indexes: Iterable[int], size: int = MIN_ENTRIES) -> Bitstring:
        bits = cls(size)
        for index in indexes:
            bits.set(index)
        return bits

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} outside a list of {self.size}")
        return index // 8, 7 - index % 8

    def set(self, index: int, value: bool = True) -> None:
        byte, bit = self._locate(index)
        if value:
            self._bits[byte] |= 1 << bit
        else:
            self._bits[byte] &= ~(1 << bit) & 0xFF

    def get(self, index: int) -> bool:
        byte, bit = self._locate(index)
        return bool(self._bits[byte] >> bit & 1)

    def encode(self) -> str:
        """``encodedList``: "u" + base64url(gzip(bits)), unpadded (§4.1 step 5)."""
        # mtime=0: the same bits always encode to the same bytes (stable re-signing).
        compressed = gzip.compress(bytes(self._bits), mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str) -> Bitstring:
        """The bitstring of an ``encodedList`` (multibase ``u`` prefix optional, as
        implementations in the wild differ); raises ValueError on anything malformed."""
        text = encoded[1:] if encoded.startswith("u") else encoded
        try:
            compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            raw = gzip.decompress(compressed)
        except (ValueError, OSError, EOFError) as exc:
            raise ValueError(f"encodedList is not base64url(gzip(...)): {exc}") from exc
        return cls(len(raw) * 8, raw)
