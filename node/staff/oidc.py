"""Staff single sign-on at the institution's OpenID Provider (OpenID Connect Core 1.0,
authorization code flow, RFC 7636 PKCE with S256, discovery).

1. :meth:`SingleSignOn.begin`: a random ``state`` (kept in the browser's cookie and, as its
   SHA-256, in ``staff_sso_login`` with the ``nonce``, the PKCE verifier and where to go
   afterwards; ten minutes, used once) → the provider's authorization URL.
2. :meth:`SingleSignOn.finish`: the provider sends the browser back with ``code`` and
   ``state``; the state must match the cookie and a live, unused row (no login CSRF, no
   replay); the code is exchanged at the token endpoint (``client_secret_basic`` and the
   verifier); the ID token's signature is checked against the provider's JWKS, then
   ``iss``, ``aud`` (and ``azp``), ``exp``/``iat`` and ``nonce`` (Core §3.1.3.7).
3. The user's groups (``oidc_roles_claim``) are mapped to console roles by
   ``oidc_role_map``; a user with no mapped role is refused. The account is found by
   (issuer, ``sub``) — never by e-mail — or made on the first sign-in, and its roles follow
   the provider's groups at every sign-in (the provider is the source of truth).

Discovery and the JWKS are fetched on first use and kept for an hour; an ID token signed
with a key id not in the cached set makes one fresh fetch (key rotation at the provider).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import StaffAccount, StaffSsoLogin
from node.errors import NodeError
from node.learners.errors import SignInFailed
from node.settings import Settings
from node.staff.accounts import check_name, check_roles

CALLBACK_PATH = "/console/sso/callback"
SIGNED_OUT_PATH = "/console/sign-in"  # the post-logout redirect URI (no query: matched exactly)
_TTL = timedelta(minutes=10)
_CACHE_SECONDS = 3600.0
_LEEWAY = 120
_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
_MAX_DOCUMENT = 1_000_000
_USERNAME_CHARS = re.compile(r"[^a-z0-9._@-]+")


class SsoFailed(SignInFailed):
    """The sign-in at the provider did not give us a member of staff (says why)."""

    code = "sso_failed"


class SsoUnavailable(NodeError):
    """The provider cannot be reached or answered nonsense."""

    status_code = 503
    code = "sso_unavailable"


@dataclass(frozen=True)
class SsoSettings:
    issuer: str
    client_id: str
    client_secret: str
    origin: str
    scopes: str = "openid profile email"
    roles_claim: str = "groups"
    role_map: Mapping[str, list[str]] = field(default_factory=dict)
    ca_file: str | None = None

    @property
    def redirect_uri(self) -> str:
        return self.origin + CALLBACK_PATH

    @property
    def post_logout_redirect_uri(self) -> str:
        """Where the provider sends the browser back after signing out there (register it
        at the provider with the redirect URI)."""
        return self.origin + SIGNED_OUT_PATH


@dataclass(frozen=True)
class Started:
    url: str  # send the browser there
    state: str  # and keep this in its cookie


@dataclass(frozen=True)
class Identified:
    account_id: int
    next_path: str


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class SingleSignOn:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: SsoSettings,
        http: Callable[[], httpx.Client] | None = None,
    ) -> None:
        self._sessions = sessions
        self.settings = settings
        self._http = http or self._client
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def _client(self) -> httpx.Client:
        verify: Any = self.settings.ca_file or True
        return httpx.Client(timeout=10.0, verify=verify, follow_redirects=False)

    # -- the provider's documents ---------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with self._http() as client:
                answer = client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SsoUnavailable(f"the identity provider cannot be reached: {exc}") from None
        if answer.status_code != 200 or len(answer.content) > _MAX_DOCUMENT:
            raise SsoUnavailable(f"the identity provider answered {answer.status_code} at {url}")
        try:
            body = answer.json()
        except ValueError:
            raise SsoUnavailable(f"the identity provider's {url} is not JSON") from None
        if not isinstance(body, dict):
            raise SsoUnavailable(f"the identity provider's {url} is not a JSON object")
        return body

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            cached = self._metadata
        if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        issuer = self.settings.issuer.rstrip("/")
        document = self._get_json(f"{issuer}/.well-known/openid-configuration")
        if document.get("issuer") != self.settings.issuer:  # Discovery §4.3
            raise SsoUnavailable(
                f"the provider's discovery names the issuer {document.get('issuer')!r}, "
                f"not {self.settings.issuer!r}"
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str):
                raise SsoUnavailable(f"the provider's discovery has no {key}")
        with self._lock:
            self._metadata = (time.monotonic(), document)
        return document

    def _key_set(self, fresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._keys
        if not fresh and cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        document = self._get_json(self.metadata()["jwks_uri"])
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise SsoUnavailable(f"the provider's JWKS does not read: {exc}") from None
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    def logout_url(self) -> str | None:
        """The provider's end-session URL (OpenID Connect RP-Initiated Logout 1.0), back to
        the console's sign-in afterwards; None when the provider has none or cannot be
        reached (the console session has ended all the same)."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except SsoUnavailable:
            return None
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            return None
        query = urlencode(
            {
                "client_id": self.settings.client_id,
                "post_logout_redirect_uri": self.settings.post_logout_redirect_uri,
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    # -- the flow -------------------------------------------------------------------------

    def begin(self, next_path: str) -> Started:
        metadata = self.metadata()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        with self._sessions() as session:
            session.add(
                StaffSsoLogin(
                    state_hash=_hash(state),
                    nonce=nonce,
                    code_verifier=verifier,
                    next_path=next_path,
                    expires_at=_now() + _TTL,
                )
            )
            session.commit()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": self.settings.redirect_uri,
                "scope": self.settings.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint: str = metadata["authorization_endpoint"]
        return Started(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state)

    def finish(
        self, code: str, state: str, cookie_state: str | None, error: str | None = None
    ) -> Identified:
        if error:
            raise SsoFailed(f"the identity provider refused the sign-in ({error[:100]})")
        if not state or not cookie_state or not secrets.compare_digest(state, cookie_state):
            raise SsoFailed("this sign-in was not started in this browser: start it again")
        login = self._spend(state)
        claims = self._id_token_claims(self._exchange(code, login.code_verifier), login.nonce)
        account_id = self._account_for(claims)
        return Identified(account_id, login.next_path)

    def _spend(self, state: str) -> StaffSsoLogin:
        now = _now()
        with self._sessions() as session:
            row = session.scalar(
                select(StaffSsoLogin).where(StaffSsoLogin.state_hash == _hash(state))
            )
            if row is None:
                raise SsoFailed("this sign-in is unknown or expired: start it again")
            spent = session.execute(
                update(StaffSsoLogin)
                .where(
                    StaffSsoLogin.id == row.id,
                    StaffSsoLogin.used_at.is_(None),
                    StaffSsoLogin.expires_at > now,
                )
                .values(used_at=now)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise SsoFailed("this sign-in was used or expired: start it again")
            session.commit()
            session.expunge(row)
            return row

    def _exchange(self, code: str, verifier: str) -> str:
        if not code or len(code) > 2000:
            raise SsoFailed("the identity provider sent no authorization code")
        endpoint = self.metadata()["token_endpoint"]
        try:
            with self._http() as client:
                answer = client.post(
                    endpoint,
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": self.settings.redirect_uri,
                        "code_verifier": verifier,
                    },
                    auth=(self.settings.client_id, self.settings.client_secret),
                    headers={"Accept": "application/json"},
                )
        except httpx.HTTPError as exc:
            raise SsoUnavailable(f"the identity provider cannot be reached: {exc}") from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or not isinstance(body, dict):
            reason = body.get("error", answer.status_code) if isinstance(body, dict) else ""
            raise SsoFailed(f"the identity provider did not accept the code ({reason})")
        token = body.get("id_token")
        if not isinstance(token, str):
            raise SsoFailed("the identity provider sent no ID token")
        return token

    def _id_token_claims(self, token: str, nonce: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._key_set(), algorithms=_ALGORITHMS)
        except (JoseError, ValueError) as exc:
            if "key" not in str(exc).lower():
                raise SsoFailed(f"the ID token does not verify: {exc}") from None
            try:  # an unknown key id: the provider may have rotated its keys
                decoded = jwt.decode(token, self._key_set(fresh=True), algorithms=_ALGORITHMS)
            except (JoseError, ValueError) as again:
                raise SsoFailed(f"the ID token does not verify: {again}") from None
        claims = dict(decoded.claims)
        self._check_claims(claims, nonce)
        return claims

    def _check_claims(self, claims: dict[str, Any], nonce: str) -> None:
        now = time.time()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        problems = []
        if claims.get("iss") != self.settings.issuer:
            problems.append(f"issuer {claims.get('iss')!r}")
        if self.settings.client_id not in audiences:
            problems.append("audience")
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            problems.append("authorized party (azp)")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or now > exp + _LEEWAY:
            problems.append("expired (exp)")
        if not isinstance(iat, int | float) or iat > now + _LEEWAY:
            problems.append("issued in the future (iat)")
        given = claims.get("nonce")
        if not isinstance(given, str) or not secrets.compare_digest(given, nonce):
            problems.append("nonce")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            problems.append("subject (sub)")
        if problems:
            raise SsoFailed("the ID token was refused: " + ", ".join(problems))

    # -- the account ----------------------------------------------------------------------

    def roles_for(self, claims: Mapping[str, Any]) -> list[str]:
        groups = claims.get(self.settings.roles_claim)
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list):
            return []
        found = [r for g in groups if isinstance(g, str) for r in self.settings.role_map.get(g, [])]
        return check_roles(found)

    def _account_for(self, claims: dict[str, Any]) -> int:
        roles = self.roles_for(claims)
        if not roles:
            raise SsoFailed(
                "you signed in at the identity provider, but none of your groups has a role "
                "in this console: ask its administrator"
            )
        issuer, subject = self.settings.issuer, str(claims["sub"])
        name = str(claims.get("name") or claims.get("preferred_username") or subject)[:300]
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        with self._sessions() as session:
            row = session.scalar(
                select(StaffAccount).where(
                    StaffAccount.oidc_issuer == issuer, StaffAccount.oidc_subject == subject
                )
            )
            if row is None:
                row = StaffAccount(
                    username=self._free_username(session, claims),
                    name=check_name(name),
                    email=email.lower() if email else None,
                    roles=roles,
                    oidc_issuer=issuer,
                    oidc_subject=subject,
                )
                session.add(row)
            else:
                if row.disabled_at is not None:
                    raise SsoFailed("this staff account is disabled")
                row.roles, row.name = roles, check_name(name)
                row.email = email.lower() if email else row.email
            session.commit()
            return row.id

    @staticmethod
    def _free_username(session: Session, claims: Mapping[str, Any]) -> str:
        wanted = claims.get("preferred_username") or claims.get("email") or claims["sub"]
        base = _USERNAME_CHARS.sub("-", str(wanted).lower()).strip("-._@")[:90] or "staff"
        if len(base) < 2:
            base = f"staff-{base}"
        candidate, n = base, 1
        while session.scalar(select(StaffAccount.id).where(StaffAccount.username == candidate)):
            n += 1
            candidate = f"{base}-{n}"
        return candidate


def sso_settings(settings: Settings) -> SsoSettings | None:
    """The node's single sign-on, or None when it has no provider configured."""
    if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
        return None
    return SsoSettings(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        origin=settings.origin,
        scopes=settings.oidc_scopes,
        roles_claim=settings.oidc_roles_claim,
        role_map=dict(settings.oidc_role_map),
        ca_file=str(settings.oidc_ca_file) if settings.oidc_ca_file else None,
    )
