"""`credreg serve --workers 2` as a real process with its rate limit counters in the real
Redis: the two worker processes share one count, so a client gets the configured number of
requests in all (not twice it); an admin body over the limit is refused before it is sent."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator

import psutil
import pytest

from tests.e2e.test_serve import Server, init_node
from tests.redis_keys import REDIS_URL, unique_prefix

LIMIT = 6
ADMIN_MAX_BODY = 100_000


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    with unique_prefix() as prefix:
        server, tokens = init_node(
            tmp_path_factory.mktemp("workers"),
            "Workers U",
            chain="off",
            workers="2",
            redis_url=REDIS_URL,
            redis_key_prefix=prefix,
            public_rate_limit=str(LIMIT),
            public_rate_window_seconds="120",
            admin_max_body_bytes=str(ADMIN_MAX_BODY),
        )
        server.start()
        try:
            yield server, tokens["issuer"]
        finally:
            server.stop()


def _worker_of(server: Server, connection: http.client.HTTPConnection) -> int:
    """The pid of the worker process holding the server side of ``connection``."""
    assert server.process is not None and connection.sock is not None
    port = connection.sock.getsockname()[1]
    for child in psutil.Process(server.process.pid).children(recursive=True):
        for held in child.net_connections(kind="tcp"):
            if held.raddr and held.raddr.port == port:
                return child.pid
    raise AssertionError(f"no worker holds the connection from port {port}")


def _connections_to_two_workers(server: Server) -> list[http.client.HTTPConnection]:
    """Keep-alive connections until two different worker processes answer, one of each."""
    port = int(server.env["CREDREG_PORT"])
    by_worker: dict[int, http.client.HTTPConnection] = {}
    opened = []
    for _ in range(60):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        opened.append(connection)
        connection.request("GET", "/healthz")  # not rate limited; the worker accepts it
        assert connection.getresponse().read()
        by_worker.setdefault(_worker_of(server, connection), connection)
        if len(by_worker) == 2:
            break
    for connection in opened:
        if connection not in by_worker.values():
            connection.close()
    assert len(by_worker) == 2, "the kernel handed every connection to the same worker"
    return list(by_worker.values())


def test_two_workers_share_one_rate_limit(workers: tuple[Server, str]) -> None:
    server, _ = workers
    connections = _connections_to_two_workers(server)
    statuses: list[list[int]] = [[], []]
    try:
        for n in range(3 * LIMIT):  # alternately to each worker
            connection = connections[n % 2]
            connection.request("GET", "/verify?lang=en")
            response = connection.getresponse()
            response.read()
            statuses[n % 2].append(response.status)
    finally:
        for connection in connections:
            connection.close()
    allowed = sum(status == 200 for per_worker in statuses for status in per_worker)
    assert allowed == LIMIT, statuses
    assert all(status in (200, 429) for per_worker in statuses for status in per_worker)
    assert all(429 in per_worker for per_worker in statuses), statuses  # both refuse
    # The first LIMIT requests passed, whichever worker took them.
    in_order = [statuses[n % 2][n // 2] for n in range(3 * LIMIT)]
    assert in_order == [200] * LIMIT + [429] * (2 * LIMIT), in_order


def test_admin_body_over_the_limit_is_refused_before_it_is_sent(
    workers: tuple[Server, str],
) -> None:
    server, token = workers
    port = int(server.env["CREDREG_PORT"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # 20 MB announced, not one byte of it sent: the answer must not wait for it.
        sock.sendall(
            b"POST /admin/credentials/batch/csv HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n"
            b"Content-Type: text/csv\r\nContent-Length: 20000000\r\n\r\n"
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer
    assert b'"too_large"' in body and str(ADMIN_MAX_BODY).encode() in body
