"""Peers' web servers for the network tests, real HTTP servers on 127.0.0.1: :class:`Peer`
records every request path and answers after ``delay`` seconds with ``status`` and
``body``; :class:`AppPeer` serves a node's app."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class _Server:
    """A threading HTTP server on a free port of 127.0.0.1, started and stopped once."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._http.daemon_threads = True
        self._http.block_on_close = False
        self.port: int = self._http.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop answering (at once; a second call does nothing)."""
        if self._thread.is_alive():
            self._http.shutdown()
            self._thread.join(5)
        self._http.server_close()


class Peer:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        status: int = 200,
        body: bytes = b"{}",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.requests: list[str] = []
        self.body = body  # may be set after construction, once the URL is known
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                peer.requests.append(self.path)
                time.sleep(delay)
                body = peer.body
                with contextlib.suppress(OSError):  # the client may have given up waiting
                    self.send_response(status)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server(Handler)
        self.port, self.url = self._server.port, self._server.url

    def __enter__(self) -> Peer:
        self._server.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.stop()


class AppPeer:
    """A node's app served over real HTTP on 127.0.0.1 (GET and POST): the port is taken at
    construction, so the node can be made with this URL as its origin; :meth:`serve` starts
    answering with the app's TestClient, :meth:`stop` takes the node off the network."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.client: Any = None
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                peer.requests.append(self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                self._answer(peer.client.get(self.path, headers=headers))

            def do_POST(self) -> None:
                peer.requests.append(f"POST {self.path}")
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer(peer.client.post(self.path, content=body, headers=headers))

            def _answer(self, reply: Any) -> None:
                with contextlib.suppress(OSError):
                    self.send_response(reply.status_code)
                    for name, value in reply.headers.items():
                        if name.lower() not in ("content-length", "transfer-encoding"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.content)))
                    self.end_headers()
                    self.wfile.write(reply.content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server(Handler)
        self.port, self.url = self._server.port, self._server.url

    def serve(self, client: Any) -> None:
        self.client = client
        self._server.start()

    def stop(self) -> None:
        self._server.stop()
