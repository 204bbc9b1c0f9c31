"""Abuse resistance for the public endpoints: per-client rate limits (429 + Retry-After)
and a request body limit (413). A plain ASGI middleware, so it also guards form posts."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PREFIXES = ("/api/verify", "/api/lookup/", "/verify", "/v/", "/oid4vp/responses/")


def is_public(path: str) -> bool:
    if path.startswith(PUBLIC_PREFIXES):
        return True
    return path.startswith("/credentials/") and path.endswith("/print")


@dataclass
class _Window:
    start: float
    count: int


class RateLimiter:
    """Fixed window per client: ``limit`` requests per ``window`` seconds (0: no limit)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> float | None:
        """None when allowed, else the seconds until the client may try again."""
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            if len(self._windows) > 100_000:  # bounded memory under a spray of addresses
                self._windows = {
                    k: w for k, w in self._windows.items() if now - w.start < self.window
                }
            entry = self._windows.get(client)
            if entry is None or now - entry.start >= self.window:
                self._windows[client] = _Window(now, 1)
                return None
            if entry.count >= self.limit:
                return entry.start + self.window - now
            entry.count += 1
            return None


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message, "problems": []}).encode()


class PublicLimits:
    """ASGI middleware: rate limit and body size limit on the public endpoints only."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, max_body: int) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        retry = self.limiter.hit(client[0] if client else "unknown")
        if retry is not None:
            seconds = max(1, math.ceil(retry))
            await _reply(
                send,
                429,
                _error("rate_limited", f"too many requests: try again in {seconds} s"),
                [(b"retry-after", str(seconds).encode())],
            )
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _reply(send, 413, _error("too_large", self._too_large()))
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
                if received > self.max_body:
                    rejected = True
                    if not started:
                        await _reply(send, 413, _error("too_large", self._too_large()))
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
            await self.app(scope, counted_receive, tracked_send)
        except Exception:
            if not rejected:
                raise

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body} bytes"


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
