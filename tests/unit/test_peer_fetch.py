"""Fetching from peers (node.network.fetch): the endpoint allow-list, and the time and size
limits against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from node.network.fetch import PeerFetchError, PeerLimits, fetch, refusal
from tests.peer import Peer

ENDPOINT = "https://uni-b.example/status/"


@pytest.mark.parametrize(
    "url",
    [
        "https://uni-b.example/status/1",
        "https://UNI-B.example:443/status/12",
        "https://uni-b.example/status/vc-api/3",
    ],
)
def test_urls_under_the_endpoint_may_be_fetched(url: str) -> None:
    assert refusal(url, ENDPOINT) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://uni-b.example/status/1", "registered endpoint"),  # other scheme
        ("https://uni-b.example:8443/status/1", "registered endpoint"),  # other port
        ("https://uni-b.example.evil.test/status/1", "registered endpoint"),
        ("https://127.0.0.1/status/1", "registered endpoint"),
        ("http://169.254.169.254/latest/meta-data/", "registered endpoint"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://uni-b.example/status/1", "only http and https"),
        ("https://uni-b.example@127.0.0.1/status/1", "user information"),
        ("https://x:y@uni-b.example/status/1", "user information"),
        ("https://uni-b.example/status/../admin", "dot segments"),
        ("https://uni-b.example/status/%2e%2e/admin", "dot segments"),
        ("https://uni-b.example/status/a%2Fb", "encoded slash"),
        ("https://uni-b.example/status/1?version=2", "query or a fragment"),
        ("https://uni-b.example/status/1#x", "query or a fragment"),
        ("https://uni-b.example/statusx/1", "not under"),
        ("https://uni-b.example/admin", "not under"),
        ("https://uni-b.example/status/1\\..\\x", "not a plain URL"),
        ("https://uni-b.example/status/1 x", "not a plain URL"),
        ("https://uni-b.example:99999/status/1", "not a valid URL"),
    ],
)
def test_urls_elsewhere_are_refused_with_a_reason(url: str, reason: str) -> None:
    refused = refusal(url, ENDPOINT)
    assert refused is not None and reason in refused, refused


def test_a_slow_peer_times_out() -> None:
    with Peer(delay=30.0) as slow:
        started = time.monotonic()
        with pytest.raises(PeerFetchError, match="did not answer in time"):
            fetch(f"{slow.url}/status/1", {"version": 1}, PeerLimits(1.0, 0.3, 1000))
        assert time.monotonic() - started < 10.0  # cut at 0.3 s, not the peer's 30 s
        assert slow.requests == ["/status/1?version=1"]


def test_a_large_answer_is_refused() -> None:
    with Peer(body=b"x" * 5000) as big:
        with pytest.raises(PeerFetchError, match="larger than 1000 bytes"):
            fetch(f"{big.url}/status/1", {}, PeerLimits(1.0, 1.0, 1000))
        assert fetch(f"{big.url}/status/1", {}, PeerLimits(1.0, 1.0, 5000)) == b"x" * 5000


def test_a_redirect_is_not_followed() -> None:
    with Peer() as elsewhere, Peer(status=302, headers={"Location": elsewhere.url}) as peer:
        with pytest.raises(PeerFetchError, match="HTTP 302"):
            fetch(f"{peer.url}/status/1", {}, PeerLimits())
        assert elsewhere.requests == []


def test_a_closed_port_is_unreachable() -> None:
    with Peer() as gone:
        url = f"{gone.url}/status/1"
    with pytest.raises(PeerFetchError, match="cannot be reached"):
        fetch(url, {}, PeerLimits(1.0, 1.0, 1000))
