"""The bitstring of a W3C Bitstring Status List (v1.0 §3.1, §4.1).

Index 0 is the left-most (most significant) bit of the first byte; entries of more than one
bit (``statusSize``) are consecutive bits, see :meth:`Bitstring.value`. ``encodedList`` is the
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

    # -- multi-bit entries (§2.1 ``statusSize``): entry ``i`` of ``width`` bits is bits
    # ``i*width`` … ``i*width + width - 1``, its value read with the first bit as the most
    # significant (a 2-bit entry ``10`` is 0x2).

    @classmethod
    def with_values(cls, values: Iterable[tuple[int, int]], entries: int, width: int) -> Bitstring:
        """``entries`` entries of ``width`` bits, (index, value) set, the rest 0."""
        bits = cls(entries * width)
        for index, value in values:
            bits.set_value(index, value, width)
        return bits

    def set_value(self, index: int, value: int, width: int) -> None:
        if not 0 <= value < 1 << width:
            raise ValueError(f"status value {value} does not fit in {width} bits")
        self._entry_range(index, width)
        for offset in range(width):
            self.set(index * width + offset, bool(value >> (width - 1 - offset) & 1))

    def value(self, index: int, width: int) -> int:
        """The value of entry ``index`` of a list of ``width``-bit entries."""
        self._entry_range(index, width)
        result = 0
        for offset in range(width):
            result = result << 1 | self.get(index * width + offset)
        return result

    def _entry_range(self, index: int, width: int) -> None:
        if not 0 <= index < self.size // width:
            raise IndexError(f"status index {index} outside a list of {self.size // width}")

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
