"""RFC 8785 JSON Canonicalization Scheme, byte-identical to the ``rfc8785`` package but fast.

``rfc8785`` is pure Python (one call per value, one regex per string). For the documents the
node signs, ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` (C)
produces the same bytes, provided that

- every object key is a ``str`` — Python sorts keys by code point, RFC 8785 §3.2.3 by UTF-16
  code unit; the two orders agree unless a key holds a character beyond U+FFFF (a surrogate
  pair sorts *below* U+E000–U+FFFF in UTF-16). Output with such a character is not trusted;
- strings are escaped the same way: both escape only ``"``, ``\\`` and U+0000–U+001F, with
  ``\\b \\f \\n \\r \\t`` short forms and lowercase ``\\u00xx`` otherwise, and write every other
  character as itself (UTF-8); a lone surrogate cannot be encoded by either;
- numbers are integers within ±(2^53 − 1) (both write the decimal digits), or floats with an
  integral value below 2^53 in magnitude, which ECMAScript Number::toString (RFC 8785
  §3.2.2.3) writes as that integer, ``-0.0`` as ``0``.

A pre-pass (:func:`_plain`) checks the value types, integer ranges and keys, and turns
integral floats into ints. Anything else — other floats, NaN/Infinity, integers out of range,
non-string keys, unsupported or subclassed types, non-BMP characters, lone surrogates — goes
to ``rfc8785`` itself, which then produces the output or raises exactly what it raises.
tests/unit/test_jcs.py checks equality with ``rfc8785`` on the W3C vectors, rendered
credentials and randomized documents.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["CanonicalizationError", "dumps", "dumps_str"]

CanonicalizationError = rfc8785.CanonicalizationError

_INT_MAX = 2**53 - 1
_FLOAT_INT_LIMIT = 2.0**53
_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


class _Fallback(Exception):
    """The value needs the reference implementation."""


def _plain(value: Any) -> Any:
    """Check a container for the fast path: ``value`` itself, or a copy of it with integral
    floats as ints (``-0.0`` → ``0``; only the containers on the way to a float are copied).

    Raises :class:`_Fallback` for anything the fast path does not render like RFC 8785.
    """
    out: Any = None
    if type(value) is dict:
        for key in value:
            if type(key) is not str:
                raise _Fallback
        pairs: Any = value.items()
    else:  # list or tuple
        pairs = enumerate(value)
    for key, item in pairs:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict or kind is list or kind is tuple:
            new = _plain(item)
            if new is item:
                continue
        elif kind is int:
            if -_INT_MAX <= item <= _INT_MAX:
                continue
            raise _Fallback
        elif kind is float:
            if not (item.is_integer() and -_FLOAT_INT_LIMIT < item < _FLOAT_INT_LIMIT):
                raise _Fallback  # also NaN and ±Infinity (is_integer() is False for them)
            new = int(item)
        else:
            raise _Fallback
        if out is None:
            out = dict(value) if type(value) is dict else list(value)
        out[key] = new
    return value if out is None else out


def _fast(value: Any) -> str | None:
    """The fast serialization, or None where the reference implementation is needed."""
    kind = type(value)
    try:
        if kind is dict or kind is list or kind is tuple:
            value = _plain(value)
        elif not (kind is str or kind is bool or value is None):
            return None  # top-level numbers and other types: rare, left to the reference
        text = _encode(value)
    except (_Fallback, RecursionError, ValueError, TypeError):
        return None
    if not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text):
        return None  # a character beyond U+FFFF: UTF-16 order may differ from code points
    return text


def dumps(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value`` as UTF-8 bytes; equal to ``rfc8785.dumps(value)``,
    raising the same exceptions (:class:`rfc8785.CanonicalizationError` and subclasses)."""
    text = _fast(value)
    if text is not None:
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 raises its CanonicalizationError
    return rfc8785.dumps(value)


def dumps_str(value: Any) -> str:
    """:func:`dumps` as text."""
    return dumps(value).decode("utf-8")
