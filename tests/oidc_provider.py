"""A real OpenID Provider for the staff single sign-on tests: panva's ``oidc-provider``.

``tests/oidc/provider.mjs`` runs the npm package ``oidc-provider`` (pinned exactly in
``tests/oidc/package.json`` + lockfile, installed with ``npm ci --ignore-scripts``) as a process
on a free port of 127.0.0.1; it is not a mock. ``start_oidc_provider`` starts it with one
confidential client and a map of accounts; the node signs in against it as a relying party
(authorization code + PKCE S256, discovery, state, nonce, ``client_secret_basic``).

The provider:

* issuer ``http://127.0.0.1:<port>``; discovery at ``/.well-known/openid-configuration``
  (authorization ``/auth``, token ``/token``, jwks ``/jwks``, userinfo ``/me``, end session
  ``/session/end``); response type ``code`` only; PKCE required, S256 only.
* scopes ``openid profile email groups``: ``sub``; ``name``; ``email``, ``email_verified``;
  ``groups`` (a list of strings). The claims of the granted scopes are IN THE ID TOKEN
  (``conformIdTokenClaims: false``) as well as at userinfo. ID tokens are RS256, signed with
  an RSA key generated when the provider starts.
* accounts: login name -> claims. The login name is the accountId and the ID token's ``sub``
  (oidc-provider always sets ``sub`` to the accountId; a different ``sub`` is refused).
  Any non-empty password is accepted; an unknown login gets a 403 "Unknown account" page.

Its sign-in pages are oidc-provider's built-in devInteractions:

1. ``GET <authorization URL>`` -> 303 to ``/interaction/<uid>``, the login page
   (``<h1>Sign-in</h1>``)::

       <form autocomplete="off" action="<issuer>/interaction/<uid>" method="post">
         <input type="hidden" name="prompt" value="login"/>
         <input required type="text" name="login" placeholder="Enter any login">
         <input required type="password" name="password" placeholder="and password">
         <button type="submit" class="login login-submit">Sign-in</button>
       </form>

2. its POST -> 303 to ``/auth/<uid>`` -> 303 to ``/interaction/<uid2>``, the consent page
   (``<h1>Authorize</h1>``, lists the scopes and claims asked for)::

       <form autocomplete="off" action="<issuer>/interaction/<uid2>" method="post">
         <input type="hidden" name="prompt" value="consent"/>
         <button autofocus type="submit" class="login login-submit">Continue</button>
       </form>

3. its POST -> 303 to ``/auth/<uid2>`` -> 303 to ``<redirect_uri>?code=…&state=…&iss=<issuer>``.

Both pages have a ``[ Cancel ]`` link (``/interaction/<uid>/abort``), which ends in
``<redirect_uri>?error=access_denied&…``. A second sign-in of the same account and client in
the same cookie jar skips the consent page (and the login page, while the provider session
lasts). In Playwright: ``page.fill("input[name=login]", …)``,
``page.fill("input[name=password]", …)``, ``page.click("button:has-text('Sign-in')")``, then
``page.click("button:has-text('Continue')")`` (the pages work with JavaScript disabled, and
load nothing from outside 127.0.0.1). Chromium refuses "unsafe" ports (ERR_UNSAFE_PORT, e.g.
9, 25, 6000), so a redirect_uri for a browser test must use an ordinary free port.

Cookies: oidc-provider sets ``secure`` only on https requests, so its cookies work over plain
http. Cookies are not isolated by port, so on 127.0.0.1 the node and the provider share one
cookie jar (a browser's or an ``httpx.Client``'s): the provider's cookies are named
``oidc_op_session``, ``oidc_op_interaction`` and ``oidc_op_interaction_resume`` (+ ``.sig``).
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.anvil import free_port

OIDC_DIR = Path(__file__).resolve().parent / "oidc"  # package.json + lockfile + provider.mjs
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
MAX_SIGN_IN_STEPS = 12


class OidcSignInError(AssertionError):
    """The provider's pages did not lead back to the relying party's redirect_uri."""


@dataclass(frozen=True)
class OidcProvider:
    """A running provider: its issuer and the one confidential client registered at it."""

    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[str]
    log_path: Path  # the provider's stderr (warnings, errors), removed when it stops

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def log(self) -> str:
        """What the provider wrote to stderr so far (for failure messages)."""
        try:
            return self.log_path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def _installed() -> bool:
    manifest = json.loads((OIDC_DIR / "package.json").read_text("utf-8"))
    for name, version in manifest["dependencies"].items():
        installed = OIDC_DIR / "node_modules" / name / "package.json"
        if not installed.is_file():
            return False
        if json.loads(installed.read_text("utf-8")).get("version") != version:
            return False
    return True


def ensure_installed() -> None:
    """``npm ci`` in tests/oidc unless the pinned packages are there (never a skip)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are needed for the OpenID Provider (npm oidc-provider)")
    if _installed():
        return
    done = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=OIDC_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not _installed():
        pytest.fail(
            f"npm ci failed in {OIDC_DIR} (exit {done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Forward the provider's stdout lines ('' at the end); drains it for the process' life."""
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put("")


def _stop(process: subprocess.Popen[str]) -> None:
    """Close stdin (provider.mjs exits on it), then SIGTERM, then SIGKILL."""
    if process.stdin is not None and not process.stdin.closed:
        with suppress(OSError):  # a provider that already exited: broken pipe
            process.stdin.close()
    for signal_it in (None, process.terminate, process.kill):
        if signal_it is not None:
            signal_it()
        try:
            process.wait(timeout=STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def start_oidc_provider(
    *,
    redirect_uris: list[str],
    accounts: dict[str, dict[str, object]],
    client_id: str = "credreg-node",
    client_secret: str | None = None,
    token_endpoint_auth_method: str = "client_secret_basic",
    post_logout_redirect_uris: list[str] | None = None,
) -> Iterator[OidcProvider]:
    """Run tests/oidc/provider.mjs on a free port with one client; stop it on exit.

    ``accounts`` maps a login name to its claims (``name``, ``email``, ``email_verified``,
    ``groups``; ``sub`` is the login name). ``client_secret`` is random unless given.
    """
    ensure_installed()
    node = shutil.which("node")
    assert node is not None
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    secret = client_secret if client_secret is not None else secrets.token_urlsafe(32)
    config = {
        "port": port,
        "issuer": issuer,
        "clients": [
            {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": post_logout_redirect_uris or [],
                "token_endpoint_auth_method": token_endpoint_auth_method,
            }
        ],
        "accounts": accounts,
    }
    fd, log_name = tempfile.mkstemp(prefix="oidc-provider-", suffix=".log")
    log_path = Path(log_name)
    with os.fdopen(fd, "w", encoding="utf-8") as log:
        # The configuration (with the client secret) goes in the environment, not in argv.
        process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=OIDC_DIR,
            env={**os.environ, "OIDC_PROVIDER_CONFIG": json.dumps(config)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    provider = OidcProvider(issuer, client_id, secret, process, log_path)
    try:
        _wait_ready(provider)
        yield provider
    finally:
        _stop(process)
        if process.stdout is not None:
            process.stdout.close()
        log_path.unlink(missing_ok=True)


def _wait_ready(provider: OidcProvider) -> None:
    """Wait for the line ``READY <issuer>``; a provider that exits or is late is a failure."""
    assert provider.process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=_read_lines, args=(provider.process.stdout, lines), daemon=True
    )
    reader.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            _stop(provider.process)
            pytest.fail(
                f"the OpenID Provider did not print READY within {STARTUP_TIMEOUT:.0f} s; "
                f"its stderr:\n{provider.log()[-4000:]}"
            )
        if line == "":
            provider.process.wait(timeout=STOP_TIMEOUT)
            pytest.fail(
                f"the OpenID Provider exited (code {provider.process.returncode}) before "
                f"READY; its stderr:\n{provider.log()[-4000:]}"
            )
        if line.strip() == f"READY {provider.issuer}":
            return


@dataclass
class _Form:
    action: str
    method: str
    fields: dict[str, str]  # name -> value of the inputs (hidden ones carry theirs)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._current: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = _Form(
                attributes.get("action", ""), attributes.get("method", "get").lower(), {}
            )
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and "name" in attributes:
            self._current.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def _without_query(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path


def sign_in_with_httpx(
    client: httpx.Client, authorize_url: str, login: str, *, password: str = "any-password"
) -> str:
    """Sign ``login`` in through the devInteractions pages with ``client``'s cookie jar.

    ``authorize_url`` is the relying party's authorization request (client_id, redirect_uri,
    state, nonce, code_challenge, …). Submits the login form and the consent form (whichever
    the provider shows) and returns the URL the provider redirects to at the relying party's
    redirect_uri (``?code=…&state=…&iss=…``, or ``?error=…``) without requesting it.
    """
    redirect_uri = parse_qs(urlsplit(authorize_url).query).get("redirect_uri", [""])[0]
    if not redirect_uri:
        raise OidcSignInError(f"no redirect_uri in the authorization URL {authorize_url}")
    target = _without_query(redirect_uri)
    provider_origin = _without_query(authorize_url)[:2]
    response = client.get(authorize_url, follow_redirects=False)
    for _ in range(MAX_SIGN_IN_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if _without_query(location) == target:
                return location
            if _without_query(location)[:2] != provider_origin:
                raise OidcSignInError(f"the provider redirected elsewhere: {location}")
            response = client.get(location, follow_redirects=False)
            continue
        if response.status_code != 200 or "html" not in response.headers.get("content-type", ""):
            raise OidcSignInError(
                f"{response.request.method} {response.url} answered {response.status_code}: "
                f"{response.text[:2000]}"
            )
        prompts = [form for form in forms(response.text) if "prompt" in form.fields]
        if len(prompts) != 1 or prompts[0].method != "post":
            raise OidcSignInError(f"no sign-in form at {response.url}: {response.text[:2000]}")
        form = prompts[0]
        data = dict(form.fields)
        if data["prompt"] == "login":
            data.update(login=login, password=password)
        elif data["prompt"] != "consent":
            raise OidcSignInError(f"unexpected prompt {data['prompt']!r} at {response.url}")
        action = urljoin(str(response.url), form.action)
        if _without_query(action)[:2] != provider_origin:
            raise OidcSignInError(f"the form at {response.url} posts elsewhere: {action}")
        response = client.post(action, data=data, follow_redirects=False)
    raise OidcSignInError(f"no redirect to {redirect_uri} after {MAX_SIGN_IN_STEPS} steps")
