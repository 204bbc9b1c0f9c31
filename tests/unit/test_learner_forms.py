"""The sign-in forms' signed CSRF tokens and the node's form secret file."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from node.learners.csrf import SECRET_FILE, FormTokens, form_secret


def test_tokens_need_our_mac_the_cookie_freshness_and_our_page() -> None:
    now = [1_000_000.0]
    tokens = FormTokens(b"k" * 32, clock=lambda: now[0])
    token = tokens.issue()
    assert tokens.valid(token, token, None) and tokens.valid(token, token, "same-origin")
    assert not tokens.valid(token, token, "cross-site")
    assert not tokens.valid(token, token, "same-site")
    assert not tokens.valid(token, "other", None) and not tokens.valid(token, None, None)
    assert not FormTokens(b"x" * 32, clock=lambda: now[0]).valid(token, token, None)
    for bad in ("", "a.b", "x.y.z", "9" * 150 + ".n.m", token + ".x"):
        assert not tokens.valid(bad, bad, None)
    now[0] += 2 * 3600
    assert tokens.valid(token, token, None)
    now[0] += 1
    assert not tokens.valid(token, token, None)  # two hours old


def test_the_secret_is_made_once_even_by_racing_workers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: form_secret(data), range(16)))
    assert len(secrets) == 1 and len(secrets.pop()) == 32
    assert [p.name for p in data.iterdir()] == [SECRET_FILE]  # nothing left aside
    assert stat.S_IMODE((data / SECRET_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    (data / SECRET_FILE).write_bytes(b"short")
    with pytest.raises(ValueError, match="damaged"):
        form_secret(data)
