"""Fetching from a peer's node: only under its registered endpoint, bounded in time and size.

Every URL the node fetches from another member must lie under the service endpoint the chain
lists for that member — and there under one of these paths: ``{endpoint}/status/`` (status
list versions, node.network.mirror), ``{endpoint}/credentials/`` (a credential's
inclusion proof, ``/credentials/{leaf digest}/anchor``, node.network.proofs),
``{endpoint}/api/catalogue`` and ``{endpoint}/catalogue/`` (the catalogue's list and its
versions, node.network.catalogue_sync); and the one URL it POSTs to,
``{endpoint}/api/agreements/inbox`` (an agreement's document, node.agreements) —
same scheme (http or https), host and port, and a path below the endpoint's — so a
credential cannot make the node request an arbitrary URL (SSRF: 127.0.0.1, the cloud
metadata address, ``file://``). Redirects are never followed, proxies and ``.netrc`` from
the environment are ignored, the connection and the whole response have time limits and
the body has a size limit (``Settings.peer_*``).
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httpx

from node.settings import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}
# The only paths the node fetches below a member's endpoint (``refusal(url, endpoint +
# path)``): status list versions (node.network.mirror) and a credential's inclusion proof,
# ``/credentials/{leaf digest}/anchor`` (node.network.proofs).
STATUS_LISTS, ANCHOR_PROOFS = "/status/", "/credentials/"
# The catalogue (node.network.catalogue_sync): its list, and each version's document.
CATALOGUE_LIST, CATALOGUE_PAGES = "/api/catalogue", "/catalogue/"
# Recognition agreements (node/agreements/service.py): the one URL a node POSTs to.
AGREEMENT_INBOX = "/api/agreements/inbox"


class PeerFetchError(Exception):
    """The peer's answer could not be had; the message says why."""


@dataclass(frozen=True)
class PeerLimits:
    connect_timeout: float = 3.0  # seconds to open the connection
    read_timeout: float = 5.0  # seconds for the whole response once connected
    max_bytes: int = 2_000_000  # largest (decoded) response body

    @classmethod
    def from_settings(cls, settings: Settings) -> PeerLimits:
        return cls(
            settings.peer_connect_timeout_seconds,
            settings.peer_read_timeout_seconds,
            settings.peer_max_response_bytes,
        )


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int | None]:
    return scheme, (host or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def refusal(url: str, endpoint: str) -> str | None:
    """Why ``url`` may not be fetched as lying under ``endpoint``; None when it may."""
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        return f"{url!r} is not a plain URL"
    try:
        target, base = urlsplit(url), urlsplit(endpoint)
        target_origin = _origin(target.scheme.lower(), target.hostname, target.port)
        base_origin = _origin(base.scheme.lower(), base.hostname, base.port)
    except ValueError:
        return f"{url!r} is not a valid URL"
    if target_origin[0] not in _DEFAULT_PORTS:
        return f"{url!r}: only http and https URLs are fetched"
    if target.username is not None or target.password is not None:
        return f"{url!r} carries user information"
    if target.query or target.fragment:
        return f"{url!r} has a query or a fragment"
    if target_origin != base_origin:
        return f"{url!r} is not on the issuer's registered endpoint {endpoint}"
    segments = target.path.split("/")
    if any(unquote(segment) in (".", "..") for segment in segments):
        return f"{url!r} has dot segments"
    if "%2f" in target.path.lower():
        return f"{url!r} has an encoded slash"
    prefix = base.path.rstrip("/") + "/"
    if not target.path.startswith(prefix):
        return f"{url!r} is not under the issuer's registered endpoint {endpoint}"
    return None


def fetch(url: str, params: dict[str, str | int], limits: PeerLimits) -> bytes:
    """GET ``url`` (already checked with :func:`refusal`): 200 and the body, or raise."""
    return fetch_reply(url, params, limits).body


@dataclass(frozen=True)
class Reply:
    status: int  # 200, or 304 when asked with If-None-Match
    body: bytes
    etag: str | None


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's CA certificates, loaded once (a load takes ~20 ms: a catalogue sync
    makes one request per version)."""
    return ssl.create_default_context()


def fetch_reply(
    url: str,
    params: dict[str, str | int],
    limits: PeerLimits,
    *,
    if_none_match: str | None = None,
) -> Reply:
    """GET ``url`` (already checked with :func:`refusal`), optionally conditional: a 200
    with its body, a 304 (unchanged) when ``if_none_match`` is given, or PeerFetchError."""
    headers = {"If-None-Match": if_none_match} if if_none_match else {}
    return _exchange("GET", url, limits, params=params, headers=headers)


def post_json(url: str, body: object, limits: PeerLimits) -> Reply:
    """POST ``body`` as JSON to ``url`` (already checked with :func:`refusal`): a 2xx and
    its body, or PeerFetchError (naming the peer's reason for a 4xx, if it gave one)."""
    content = json.dumps(body, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json"}
    return _exchange("POST", url, limits, headers=headers, content=content)


def _exchange(
    method: str,
    url: str,
    limits: PeerLimits,
    *,
    params: dict[str, str | int] | None = None,
    headers: dict[str, str],
    content: bytes | None = None,
) -> Reply:
    deadline = time.monotonic() + limits.connect_timeout + limits.read_timeout
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    try:
        with (
            httpx.Client(
                timeout=timeout, follow_redirects=False, trust_env=False, verify=_tls()
            ) as client,
            client.stream(method, url, params=params, headers=headers, content=content) as reply,
        ):
            etag = reply.headers.get("etag")
            if reply.status_code == 304 and "If-None-Match" in headers:
                return Reply(304, b"", etag)
            declared = reply.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise PeerFetchError(f"the answer is larger than {limits.max_bytes} bytes")
            body = bytearray()
            for chunk in reply.iter_bytes():
                body += chunk
                if len(body) > limits.max_bytes:
                    raise PeerFetchError(f"the answer is larger than {limits.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise PeerFetchError("the peer did not finish its answer in time")
            accepted = (200, 201) if method == "POST" else (200,)
            if reply.status_code not in accepted:
                raise PeerFetchError(
                    f"the peer answered HTTP {reply.status_code}" + _reason(bytes(body))
                )
            return Reply(reply.status_code, bytes(body), etag)
    except httpx.TimeoutException as exc:
        raise PeerFetchError(f"the peer did not answer in time ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise PeerFetchError(f"the peer cannot be reached ({type(exc).__name__})") from exc


def _reason(body: bytes) -> str:
    """The peer's own reason (its error body's ``message``), briefly; empty if none."""
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        return ""
    return f": {message[:300]}" if isinstance(message, str) and message else ""
