"""Python client for the independent JavaScript verifier (``verify.mjs``).

The verifier runs third-party npm packages (``@digitalbazaar/vc`` with the
``eddsa-rdfc-2022`` / ``eddsa-jcs-2022`` Data Integrity cryptosuites,
``@digitalbazaar/vc-bitstring-status-list`` for ``credentialStatus``, and
``jose``), pinned in ``package-lock.json`` beside this file. One ``node``
process is kept open and fed JSON lines, so many verifications cost one
start-up.

    with JsVerifier() as verifier:
        result = verifier.verify_ldp(credential, documents={did: did_document})
        assert result["verified"], result["error"]

Status lists are never fetched: pass each list credential in ``documents``
under its ``statusListCredential`` URL; ``result["statuses"]`` then maps each
``statusPurpose`` to its bit (``{"revocation": True, ...}`` = revoked).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NotRequired, TypedDict

INTEROP_DIR = Path(__file__).resolve().parent
SCRIPT = INTEROP_DIR / "verify.mjs"
NODE_MODULES = INTEROP_DIR / "node_modules"

Kind = Literal["ldp", "jwt_vc_json", "vc+jwt", "dc+sd-jwt"]


class VerifyResult(TypedDict):
    verified: bool
    error: str | None
    warnings: list[str]
    # statusPurpose -> bit (True: revoked / suspended); present when status was checked
    # (dc+sd-jwt: the Token Status List values read, 0 = VALID)
    statuses: NotRequired[dict[str, Any]]
    claims: NotRequired[dict[str, Any]]  # dc+sd-jwt: the disclosed claims
    id: NotRequired[int]


def status_list_documents(
    credential: Mapping[str, Any], fetch: Callable[[str], Any]
) -> dict[str, Any]:
    """``{statusListCredential URL: list credential}`` for every status entry of
    ``credential`` (a JSON credential or the ``vc`` claim of a JWT), ``fetch`` giving the
    exact JSON served at a URL (e.g. through a TestClient)."""
    entries = credential.get("credentialStatus") or []
    if isinstance(entries, Mapping):
        entries = [entries]
    urls = {e["statusListCredential"] for e in entries if isinstance(e, Mapping)}
    return {url: fetch(url) for url in sorted(urls)}


class JsVerifierError(RuntimeError):
    """The verifier process could not be installed, started or talked to."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise JsVerifierError(f"`{name}` is not on PATH; Node.js 20+ and npm are required")
    return path


def _installed() -> bool:
    """True when every pinned direct dependency is in node_modules at its pinned version."""
    manifest = json.loads((INTEROP_DIR / "package.json").read_text("utf-8"))
    for name, version in manifest.get("dependencies", {}).items():
        installed = NODE_MODULES / name / "package.json"
        if not installed.is_file():
            return False
        if json.loads(installed.read_text("utf-8")).get("version") != version:
            return False
    return True


def ensure_installed(timeout: float = 600.0) -> None:
    """Run ``npm ci`` in tests/interop unless node_modules already matches the pins."""
    _tool("node")
    if _installed():
        return
    npm = _tool("npm")
    completed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=INTEROP_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0 or not _installed():
        raise JsVerifierError(
            f"npm ci failed in {INTEROP_DIR} (exit {completed.returncode}):\n"
            f"{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
        )


class JsVerifier:
    """One long-lived ``node verify.mjs --lines`` process (use as a context manager)."""

    def __init__(self, timeout: float = 60.0, node: str | None = None) -> None:
        self.timeout = timeout
        self._node = node or _tool("node")
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._buffer = bytearray()
        self._next_id = 0

    # -- lifecycle -------------------------------------------------------
    def start(self) -> JsVerifier:
        if self._proc is not None:
            return self
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        self._proc = subprocess.Popen(
            [self._node, str(SCRIPT), "--lines"],
            cwd=INTEROP_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        return self

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            assert proc.stdin is not None
            try:
                proc.stdin.close()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> JsVerifier:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- protocol --------------------------------------------------------
    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return str(self._stderr.read()[-4000:].decode("utf-8", "replace"))

    def _readline(self, proc: subprocess.Popen[bytes]) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + self.timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise JsVerifierError(f"verifier gave no answer in {self.timeout} s")
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise JsVerifierError(
                        f"verifier exited (code {proc.poll()}):\n{self._stderr_text()}"
                    )
                self._buffer += chunk
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return line

    def request(self, request: dict[str, Any]) -> VerifyResult:
        """Send one raw request (see verify.mjs) and return its response."""
        proc = self._proc
        if proc is None:
            raise JsVerifierError("JsVerifier is not started (use it as a context manager)")
        assert proc.stdin is not None
        self._next_id += 1
        request_id = self._next_id
        line = json.dumps({**request, "id": request_id}, separators=(",", ":")) + "\n"
        try:
            proc.stdin.write(line.encode("utf-8"))
            proc.stdin.flush()
        except OSError as error:
            raise JsVerifierError(f"verifier is gone: {error}\n{self._stderr_text()}") from error
        response: VerifyResult = json.loads(self._readline(proc))
        if response.get("id") != request_id:
            raise JsVerifierError(f"out-of-order response {response!r} for request {request_id}")
        return response

    def verify(
        self,
        kind: Kind,
        credential: dict[str, Any] | str,
        *,
        documents: dict[str, Any] | None = None,
        jwk: dict[str, Any] | None = None,
        **options: Any,
    ) -> VerifyResult:
        request: dict[str, Any] = {
            "kind": kind,
            "credential": credential,
            "documents": documents or {},
            **options,
        }
        if jwk is not None:
            request["jwk"] = jwk
        return self.request(request)

    def verify_ldp(
        self,
        credential: dict[str, Any],
        *,
        documents: dict[str, Any] | None = None,
        check_issuer: bool = True,
        ignore_status: bool = False,
    ) -> VerifyResult:
        """Data Integrity (eddsa-rdfc-2022 / eddsa-jcs-2022) via @digitalbazaar/vc; the
        ``credentialStatus`` via @digitalbazaar/vc-bitstring-status-list (lists from
        ``documents``) unless ``ignore_status``."""
        return self.verify(
            "ldp",
            credential,
            documents=documents,
            checkIssuer=check_issuer,
            ignoreStatus=ignore_status,
        )

    def verify_jwt(
        self,
        token: str,
        *,
        kind: Literal["jwt_vc_json", "vc+jwt"] = "jwt_vc_json",
        jwk: dict[str, Any] | None = None,
        documents: dict[str, Any] | None = None,
        algorithms: list[str] | None = None,
        ignore_status: bool = False,
    ) -> VerifyResult:
        """A compact JWS credential via jose (``jwk``, or the header ``kid`` in ``documents``);
        a ``credentialStatus`` in it is checked against the lists in ``documents``."""
        options: dict[str, Any] = {"ignoreStatus": ignore_status}
        if algorithms is not None:
            options["algorithms"] = algorithms
        return self.verify(kind, token, documents=documents, jwk=jwk, **options)

    def verify_sd_jwt(
        self,
        sd_jwt: str,
        *,
        jwk: dict[str, Any],
        status_lists: dict[str, str] | None = None,
        key_binding: dict[str, str] | None = None,
        required_claims: list[str] | None = None,
    ) -> VerifyResult:
        """An SD-JWT VC via @sd-jwt/sd-jwt-vc: issuer signature (``jwk``), disclosures,
        key binding (``{"nonce", "aud"}``), and both Token Status List references against
        ``status_lists`` (URI → statuslist+jwt, read with @sd-jwt/jwt-status-list)."""
        options: dict[str, Any] = {"statusLists": status_lists or {}}
        if key_binding is not None:
            options["keyBinding"] = key_binding
        if required_claims is not None:
            options["requiredClaims"] = required_claims
        return self.verify("dc+sd-jwt", sd_jwt, jwk=jwk, **options)
