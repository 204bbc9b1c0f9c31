"""Abuse resistance: per-client rate limits (429 + Retry-After) on the public endpoints and
request body limits (413) on the public and the admin endpoints. A plain ASGI middleware, so
it also guards form posts, and a body over the limit is refused before it is read.

Rate limit counters live in one :class:`Counters` store. :class:`MemoryCounters` counts in
this process; :class:`RedisCounters` counts in Redis (``CREDREG_REDIS_URL``), so every worker
process of ``credreg serve --workers N`` shares one count and a client gets the configured
limit, not N times it. While Redis cannot be reached, each process counts on its own (a log
line says so once, another when Redis is back): a limit per process is still a limit, where
failing open would leave the CPU-heavy verification endpoints unguarded whenever Redis is
down, and failing closed would take the public verification down with it.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl

import anyio.to_thread
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
from redis import ConnectionPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = (
    *("/api/verify", "/api/lookup/", "/verify", "/v/", "/oid4vp/responses/"),
    # the checks of a document against the chain: verifications too (a micro-degree with
    # its parts, an agreement's proofs and anchor)
    *("/api/stacks/check", "/api/agreements/check"),
)
ADMIN_PREFIXES = ("/admin/", "/console/")  # staff's requests: larger bodies (CSV files)


# The catalogue's searches (page and API) are limited like verifications; its plain list
# and version URLs are not: a member's sync reads one URL per version.
CATALOGUE_SEARCH = frozenset(
    {
        *("q", "field", "eqf", "ectsMin", "ectsMax", "language", "mode"),
        *("startsFrom", "startsUntil", "institution", "limit", "offset"),
    }
)


def is_public(path: str, query: bytes = b"") -> bool:
    """Whether the request counts against the public rate limit."""
    if path.startswith(PUBLIC_PREFIXES) or path == "/catalogue":
        return True
    if path == "/api/catalogue" and query:
        asked = {name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
        return bool(asked & CATALOGUE_SEARCH)
    return path.startswith("/credentials/") and path.endswith("/print")


class Counters(Protocol):
    """Fixed-window hit counters by key."""

    shared: bool  # counts are shared with other processes (a call may wait on the network)

    def hit(self, key: str, limit: int, window: float) -> float | None:
        """Count a hit on ``key``: None when within ``limit`` hits per ``window`` seconds,
        else the seconds until the key may try again."""
        ...

    def close(self) -> None: ...


@dataclass
class _Window:
    start: float
    count: int
    length: float


class MemoryCounters:
    """Counters of this process (one worker, or the fallback while Redis is away)."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float) -> float | None:
        now = self._clock()
        with self._lock:
            if len(self._windows) > 100_000:  # bounded memory under a spray of addresses
                self._windows = {k: w for k, w in self._windows.items() if now - w.start < w.length}
            entry = self._windows.get(key)
            if entry is None or now - entry.start >= window:
                self._windows[key] = _Window(now, 1, window)
                return None
            if entry.count >= limit:
                return entry.start + window - now
            entry.count += 1
            return None

    def close(self) -> None:
        pass


class RedisCounters:
    """Counters in Redis (the ``limits`` library's fixed window: one INCR + EXPIRE script per
    hit), shared by every process that uses the same ``prefix``. Windows are whole seconds
    (Redis expiries). Redis unreachable: :class:`MemoryCounters` of this process count, and
    Redis is tried again after ``retry_seconds`` (not on every request, each paying a
    timeout)."""

    shared = True

    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        timeout: float = 0.5,
        retry_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = ConnectionPool.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        storage = RedisStorage(
            url, connection_pool=self._pool, key_prefix=prefix, wrap_exceptions=True
        )
        self._limiter = FixedWindowRateLimiter(storage)
        self._fallback = MemoryCounters(clock)
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._down_until: float | None = None  # Redis failed: use the fallback until then

    def hit(self, key: str, limit: int, window: float) -> float | None:
        down_until = self._down_until
        if down_until is not None and self._clock() < down_until:
            return self._fallback.hit(key, limit, window)
        item = RateLimitItemPerSecond(limit, max(1, math.ceil(window)))
        try:
            if self._limiter.hit(item, key):
                retry = None
            else:
                reset = self._limiter.get_window_stats(item, key).reset_time
                retry = max(reset - time.time(), 0.001)
        except StorageError as exc:
            if down_until is None:
                log.warning(
                    "rate limits: Redis cannot be reached (%s); each process counts on its "
                    "own until it is back",
                    type(exc.storage_error).__name__,
                )
            self._down_until = self._clock() + self._retry_seconds
            return self._fallback.hit(key, limit, window)
        if down_until is not None:
            log.warning("rate limits: Redis is back; counts are shared again")
            self._down_until = None
        return retry

    def close(self) -> None:
        self._pool.disconnect()


def counters(redis_url: str | None, prefix: str) -> Counters:
    """The node's counter store: shared in Redis when ``redis_url`` is set."""
    if redis_url:
        return RedisCounters(redis_url, prefix)
    return MemoryCounters()


class RateLimiter:
    """``limit`` hits per ``window`` seconds for each client (0: no limit), counted under
    ``name`` in ``counters`` (by default counters of this process)."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        counters: Counters | None = None,
        name: str = "limit",
    ) -> None:
        self.limit = limit
        self.window = window
        self.name = name
        self._counters = counters if counters is not None else MemoryCounters(clock)

    @property
    def shared(self) -> bool:
        return self._counters.shared

    def hit(self, client: str) -> float | None:
        """None when allowed, else the seconds until the client may try again."""
        if self.limit <= 0:
            return None
        return self._counters.hit(f"{self.name}/{client}", self.limit, self.window)


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message, "problems": []}).encode()


class RequestLimits:
    """ASGI middleware: the rate limit on the public endpoints; the body size limit on the
    public endpoints (``max_body``) and on the admin API and the console (``admin_max_body``)."""

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, max_body: int, admin_max_body: int
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body
        self.admin_max_body = admin_max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if is_public(path, scope.get("query_string", b"")):
            if not await self._allowed(scope, send):
                return
            limit = self.max_body
        elif path.startswith(ADMIN_PREFIXES):
            limit = self.admin_max_body
        else:
            await self.app(scope, receive, send)
            return
        await _limit_body(self.app, scope, receive, send, limit)

    async def _allowed(self, scope: Scope, send: Send) -> bool:
        client = scope.get("client")
        address = client[0] if client else "unknown"
        if self.limiter.shared:  # a Redis round trip: not on the event loop
            retry = await anyio.to_thread.run_sync(self.limiter.hit, address)
        else:
            retry = self.limiter.hit(address)
        if retry is None:
            return True
        seconds = max(1, math.ceil(retry))
        await _reply(
            send,
            429,
            _error("rate_limited", f"too many requests: try again in {seconds} s"),
            [(b"retry-after", str(seconds).encode())],
        )
        return False


async def _limit_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run ``app`` with a 413 instead of any body larger than ``limit`` bytes: a declared
    Content-Length is refused before a byte is read, a chunked body as it passes the limit."""
    too_large = _error("too_large", f"the request body is larger than {limit} bytes")
    headers = dict(scope.get("headers") or [])
    length = headers.get(b"content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        await _reply(send, 413, too_large)
        return
    received = 0
    started = rejected = False

    async def counted_receive() -> Message:
        nonlocal received, rejected
        if rejected:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                rejected = True
                if not started:
                    await _reply(send, 413, too_large)
                return {"type": "http.disconnect"}
        return message

    async def tracked_send(message: Message) -> None:
        nonlocal started
        if rejected:
            return  # the 413 went out instead
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counted_receive, tracked_send)
    except Exception:
        if not rejected:
            raise


async def _reply(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
