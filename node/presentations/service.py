"""OpenID4VP 1.0 verifier state: a relying party's presentation requests and their results.

A relying party (API token) creates a request with a DCQL query; the wallet fetches the
signed request object (``GET /oid4vp/requests/{id}``) and answers by direct_post
(``POST /oid4vp/responses/{id}``). The answer is checked — nonce, audience (the node's
``client_id``), the holder's proof and binding, the DCQL query — and every credential runs
through the full verification pipeline. Only the result is kept: per credential its report,
the values of the claims the query asked for and, if the relying party asked for it, the
human-readable summary. One answer per request (a conditional UPDATE), so a replayed
response is refused; a request expires after its lifetime.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import PresentationRequest
from node.errors import Forbidden, NotFound
from node.lookup.service import verdict_of
from node.lookup.summary import credential_summary
from node.verification.pipeline import Check, Verifier
from node.verification.presentation import (
    PresentationReport,
    PresentedCredential,
    verify_presentation,
)
from vc.errors import MalformedError, VCError
from vc.signer import Signer
from wallet_bridge import dcql
from wallet_bridge.errors import InvalidRequest, UnknownPresentationRequest
from wallet_bridge.presentation import (
    AuthorizationResponse,
    client_id_for,
    new_nonce,
    parse_authorization_response,
    request_link,
    request_object_claims,
    sign_request_object,
)

log = logging.getLogger(__name__)
CREATED, FETCHED, ANSWERED, EXPIRED = "created", "fetched", "answered", "expired"
DEFAULT_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class CreatedRequest:
    id: str
    client_id: str
    request_uri: str
    link: str  # openid4vp://?client_id=…&request_uri=…
    haip_link: str  # the same as haip-vp://
    expires_at: datetime


@dataclass(frozen=True)
class RequestState:
    id: str
    status: str
    expires_at: datetime
    answered_at: datetime | None
    result: dict[str, Any] | None


def _now() -> datetime:
    return datetime.now(UTC)


def _checks(checks: list[Check]) -> list[dict[str, Any]]:
    return [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks]


class PresentationService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        signer: Signer,
        *,
        did: str,
        origin: str,
        verifier: Callable[[], Verifier],
        lifetime: timedelta = DEFAULT_LIFETIME,
        clock: Callable[[], datetime] = _now,
        answered: Callable[[str, list[PresentationReport]], None] | None = None,
    ) -> None:
        """``answered(request id, reports)``: told of every stored answer, with the verified
        presentations themselves (a recognition request reads the credentials from them)."""
        self._sessions = sessions
        self._signer = signer
        self.client_id = client_id_for(did)
        self._origin = origin
        self._verifier = verifier
        self._lifetime = lifetime
        self._clock = clock
        self._answered = answered

    def request_uri(self, request_id: str) -> str:
        return f"{self._origin}/oid4vp/requests/{request_id}"

    def response_uri(self, request_id: str) -> str:
        return f"{self._origin}/oid4vp/responses/{request_id}"

    # -- relying party ---------------------------------------------------------------------

    def create(
        self,
        dcql_query: Any,
        *,
        token_id: int | None,
        with_summary: bool = False,
        expires_in: timedelta | None = None,
    ) -> CreatedRequest:
        """Store a request for ``dcql_query`` (validated: InvalidDcqlQuery, 400)."""
        query = dcql.parse_dcql(dcql_query)
        now = self._clock()
        row = PresentationRequest(
            id=str(uuid.uuid4()),
            nonce=new_nonce(),
            dcql_query=dict(query.raw),
            with_summary=with_summary,
            status=CREATED,
            expires_at=now + (expires_in or self._lifetime),
            created_at=now,
            created_by=token_id,
        )
        with self._sessions.begin() as session:
            session.add(row)
        uri = self.request_uri(row.id)
        return CreatedRequest(
            id=row.id,
            client_id=self.client_id,
            request_uri=uri,
            link=request_link(self.client_id, uri),
            haip_link=request_link(self.client_id, uri, "haip-vp"),
            expires_at=row.expires_at,
        )

    def state(self, request_id: str, *, token_id: int, admin: bool) -> RequestState:
        """The request's status and, once answered, its result (to its creator or an admin)."""
        with self._sessions() as session:
            row = session.get(PresentationRequest, request_id)
            if row is None:
                raise NotFound("no such presentation request")
            if row.created_by != token_id and not admin:
                raise Forbidden("this presentation request belongs to another token")
            status = row.status
            if status != ANSWERED and row.expires_at < self._clock():
                status = EXPIRED
            return RequestState(row.id, status, row.expires_at, row.answered_at, row.result)

    # -- wallet ----------------------------------------------------------------------------

    def _open(self, session: Session, request_id: str) -> PresentationRequest:
        row = session.get(PresentationRequest, request_id)
        if row is None:
            raise UnknownPresentationRequest("no such presentation request")
        if row.status == ANSWERED:
            raise InvalidRequest("this presentation request has already been answered")
        if row.expires_at < self._clock():
            raise InvalidRequest("this presentation request has expired")
        return row

    def request_object(self, request_id: str) -> str:
        """The signed request object (fetchable until the request is answered or expires)."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._open(session, request_id)
            if row.fetched_at is None:
                row.fetched_at = now
                row.status = FETCHED
            claims = request_object_claims(
                client_id=self.client_id,
                response_uri=self.response_uri(row.id),
                nonce=row.nonce,
                state=row.id,
                dcql_query=row.dcql_query,
                issued_at=int(now.timestamp()),
                expires_at=int(row.expires_at.timestamp()),
            )
        return sign_request_object(claims, self._signer)

    def respond(self, request_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        """Take the wallet's direct_post answer: verify it, store the result once."""
        with self._sessions() as session:
            row = self._open(session, request_id)
            nonce, raw_query, with_summary = row.nonce, row.dcql_query, row.with_summary
        response = parse_authorization_response(form)
        if response.state != request_id:
            raise InvalidRequest("state does not match the request")
        query = dcql.parse_dcql(raw_query)
        reports: list[PresentationReport] = []
        result = self._result(query, response, nonce, with_summary, reports)
        with self._sessions.begin() as session:
            stored = session.execute(
                update(PresentationRequest)
                .where(
                    PresentationRequest.id == request_id,
                    PresentationRequest.answered_at.is_(None),
                )
                .values(status=ANSWERED, answered_at=self._clock(), result=result)
            )
            if stored.rowcount != 1:  # type: ignore[attr-defined]
                raise InvalidRequest("this presentation request has already been answered")
        if self._answered is not None:
            try:
                self._answered(request_id, reports)
            except Exception:  # the answer is stored; its consumer logs and can be retried
                log.exception("presentation %s: its consumer failed", request_id)
        return {}

    # -- verification ----------------------------------------------------------------------

    def _result(
        self,
        query: dcql.DcqlQuery,
        response: AuthorizationResponse,
        nonce: str,
        with_summary: bool,
        reports: list[PresentationReport],
    ) -> dict[str, Any]:
        if response.error is not None:
            return {
                "verified": False,
                "error": {"error": response.error, "description": response.error_description},
                "checks": [],
                "presentations": [],
            }
        answered = {k: len(v) for k, v in response.vp_token.items()}
        problems = dcql.response_problems(query, answered)
        presentations = []
        for query_id, items in response.vp_token.items():
            credential_query = query.credential(query_id)
            for item in items:
                entry = self._presentation(credential_query, query_id, item, nonce, with_summary)
                problems += entry.pop("_problems")
                if (report := entry.pop("_report")) is not None:
                    reports.append(report)
                presentations.append(entry)
        query_check = Check(
            "query",
            not problems,
            "; ".join(problems) if problems else "the presentations answer the DCQL query",
        )
        verified = query_check.ok is True and all(p["verified"] for p in presentations)
        return {
            "verified": verified,
            "error": None,
            "checks": _checks([query_check]),
            "presentations": presentations,
        }

    def _presentation(
        self,
        credential_query: dcql.CredentialQuery | None,
        query_id: str,
        item: str | dict[str, Any],
        nonce: str,
        with_summary: bool,
    ) -> dict[str, Any]:
        try:
            report = verify_presentation(
                self._verifier(), item, nonce=nonce, audience=self.client_id
            )
        except (VCError, MalformedError) as exc:
            return {
                "credential_query_id": query_id,
                "verified": False,
                "kind": None,
                "holder": None,
                "checks": _checks([Check("structure", False, f"not a presentation: {exc}")]),
                "credentials": [],
                "_problems": [],
                "_report": None,
            }
        problems: list[str] = []
        if len(report.credentials) != 1:
            problems.append(f"{query_id!r}: a presentation must carry exactly one credential")
        credentials = [
            self._credential(credential_query, query_id, c, with_summary, problems)
            for c in report.credentials
        ]
        return {
            "credential_query_id": query_id,
            "verified": bound(report),
            "kind": report.kind,
            "holder": report.holder,
            "checks": _checks(report.checks),
            "credentials": credentials,
            "_problems": problems,
            "_report": report,
        }

    @staticmethod
    def _credential(
        credential_query: dcql.CredentialQuery | None,
        query_id: str,
        credential: PresentedCredential,
        with_summary: bool,
        problems: list[str],
    ) -> dict[str, Any]:
        presented = dcql.Presented(
            format=credential.format,
            types=credential.types,
            vct=credential.vct,
            claims=credential.claims,
        )
        claims: dict[str, Any] = {}
        if credential_query is not None:
            problems += [
                f"{query_id!r}: {p}" for p in dcql.credential_problems(credential_query, presented)
            ]
            claims = dcql.requested_claims(credential_query, presented)
        out: dict[str, Any] = {
            "format": credential.format,
            "verified": credential.report.verified,
            "verdict": verdict_of(credential.report),
            "checks": _checks(credential.report.checks),
            "claims": claims,
        }
        if with_summary:
            out["summary"] = credential_summary(credential.body)
        return out


def bound(report: PresentationReport) -> bool:
    """A wallet's answer counts only with every presentation check positively passed and
    every credential verified and bound to the presentation's holder."""
    return report.bound and all(
        c.report.check("holder_binding").ok is True for c in report.credentials
    )
