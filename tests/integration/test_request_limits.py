"""Rate limit counters in the real Redis (shared by every app that uses the same prefix, as
the worker processes of one node do; tests/e2e/test_workers.py runs real workers), what
happens while Redis is away, and the admin API's body size limit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.lookup.limits import RateLimiter, RedisCounters
from tests.conftest import RunningNode, make_settings, start_node
from tests.redis_keys import REDIS_URL, unique_prefix

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1
LOOKUP = f"/api/lookup/{'ab' * 32}"


@pytest.fixture
def prefix() -> Iterator[str]:
    with unique_prefix() as name:
        yield name


def _node(tmp_path: Path, name: str, **settings: object) -> RunningNode:
    running = start_node(
        make_settings(tmp_path / name, f"sqlite:///{tmp_path / name}.db", **settings)
    )
    running.client.__enter__()
    return running


def _close(*nodes: RunningNode) -> None:
    for node in nodes:
        node.client.__exit__(None, None, None)


def test_two_apps_share_one_count_in_redis(tmp_path: Path, prefix: str) -> None:
    limits = {"public_rate_limit": 4, "redis_url": REDIS_URL, "redis_key_prefix": prefix}
    first, second = _node(tmp_path, "one", **limits), _node(tmp_path, "two", **limits)
    try:
        answers = [
            node.client.get(LOOKUP).status_code for _ in range(4) for node in (first, second)
        ]
        assert answers == [404] * 4 + [429] * 4
        refused = second.client.get("/verify")
        assert refused.json()["error"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    finally:
        _close(first, second)


def test_without_redis_each_process_still_limits_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="node.lookup.limits")
    node = _node(tmp_path, "alone", public_rate_limit=3, redis_url=UNREACHABLE)
    try:
        answers = [node.client.get(LOOKUP).status_code for _ in range(5)]
    finally:
        _close(node)
    assert answers == [404, 404, 404, 429, 429]
    warnings = [r.getMessage() for r in caplog.records if r.name == "node.lookup.limits"]
    assert warnings == [
        "rate limits: Redis cannot be reached (ConnectionError); each process counts on its "
        "own until it is back"
    ]


def test_counts_move_back_to_redis_when_it_answers_again(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="node.lookup.limits")
    now = [0.0]
    counters = RedisCounters(UNREACHABLE, prefix, retry_seconds=5, clock=lambda: now[0])
    try:
        limiter = RateLimiter(2, 60, counters=counters, name="signin-client")
        assert [limiter.hit("10.0.0.1") for _ in range(2)] == [None, None]
        assert limiter.hit("10.0.0.1") is not None  # counted in this process meanwhile
    finally:
        counters.close()
    # The same limiter (e.g. learner sign-in's) against a Redis that answers: shared counts.
    one = RedisCounters(REDIS_URL, prefix, clock=lambda: now[0])
    two = RedisCounters(REDIS_URL, prefix, clock=lambda: now[0])
    try:
        by_one = RateLimiter(2, 60, counters=one, name="signin-client")
        by_two = RateLimiter(2, 60, counters=two, name="signin-client")
        assert by_one.hit("10.0.0.1") is None and by_two.hit("10.0.0.1") is None
        retry = by_one.hit("10.0.0.1")
        assert retry is not None and 0 < retry <= 60
        assert by_two.hit("10.0.0.2") is None  # per client
    finally:
        one.close()
        two.close()


# ---- the admin API's body size limit ---------------------------------------------------------


@pytest.fixture
def small_admin(tmp_path: Path) -> Iterator[RunningNode]:
    node = _node(tmp_path, "admin", admin_max_body_bytes=2_000)
    try:
        yield node
    finally:
        _close(node)


def test_admin_body_over_the_limit_answers_413(small_admin: RunningNode) -> None:
    big = "a" * 5_000
    csv = small_admin.client.post(
        "/admin/credentials/batch/csv",
        content=big.encode(),
        headers={**small_admin.auth(), "Content-Type": "text/csv"},
    )
    assert csv.status_code == 413
    assert csv.json() == {
        "error": "too_large",
        "message": "the request body is larger than 2000 bytes",
        "problems": [],
    }
    # Refused before anything else, a token or none: the body is never read.
    anonymous = small_admin.client.post("/admin/credentials", json={"claims": {"x": big}})
    assert anonymous.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(5):
            yield b"b" * 1_000

    streamed = small_admin.client.post(
        "/admin/credentials/batch/csv",
        content=chunks(),
        headers={**small_admin.auth(), "Content-Type": "text/csv"},
    )
    assert streamed.status_code == 413
    # Under the limit the API answers as before; the public limit is separate.
    small = small_admin.client.post("/admin/credentials", json={}, headers=small_admin.auth())
    assert small.status_code == 422
    public = small_admin.client.post("/api/verify", json={"credential": {"x": "y" * 5_000}})
    assert public.status_code != 413
