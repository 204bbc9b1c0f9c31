"""The JSON scan for text no database stores: exact on escapes, no false alarms."""

from __future__ import annotations

import json

import pytest

from node.api.text_guard import json_text_problem


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"a": "x\x00y"}),  # json.dumps writes \u0000
        '{"a": "\\u0000"}',
        '{"\\u0000": 1}',
        '{"a": "\\\\\\u0000"}',  # an escaped backslash, then the escape
        '{"a": "x\x00"}',  # a raw NUL byte
    ],
)
def test_nul_is_found(body: str) -> None:
    assert json_text_problem(body.encode()) is not None
    assert "NUL" in (json_text_problem(body.encode()) or "")


@pytest.mark.parametrize(
    "body",
    [
        '{"a": "\\ud800"}',  # a high half alone
        '{"a": "\\udc00"}',  # a low half alone
        '{"a": "\\ud800x\\udc00"}',  # halves apart
        '{"a": "\\ud800\\\\udc00"}',  # the second is an escaped backslash, not an escape
        '{"a": "\\ud800\\ud800"}',
    ],
)
def test_lone_surrogates_are_found(body: str) -> None:
    assert "surrogate" in (json_text_problem(body.encode()) or "")


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"name": "Müller 😀 \\u0000 as text"}),  # ensure_ascii: a valid pair
        json.dumps({"name": "Müller 😀"}, ensure_ascii=False),
        '{"a": "\\\\u0000"}',  # the text \u0000, not a NUL
        '{"a": "\\u00e9\\uD83D\\uDE00"}',
        "{}",
    ],
)
def test_ordinary_text_passes(body: str) -> None:
    assert json_text_problem(body.encode()) is None
