"""The public pages: / (where to go), /verify (paste or upload), /v/{token} (a learner's
share link) and /credentials/{id}/print (printable copy with a QR code). Plain HTML forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import segno
from anyio import to_thread
from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from node.api.deps import CourseMatches, CredentialVerifier, Runtime, Verifications
from node.errors import InvalidInput, NodeError
from node.lookup import share
from node.lookup.course import CourseMatch
from node.lookup.lanes import VerificationsBusy
from node.lookup.qr import QrError, read_upload
from node.lookup.service import Outcome, parse_text, verify_input
from node.verification.limits import VerificationTimeout
from node.web import pages
from node.web.i18n import choose, t
from vc.errors import VCError

router = APIRouter(include_in_schema=False)

_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_MAX_TEXT = 1_000_000
_LINK_STATES = {"expired": "link_expired", "revoked": "link_revoked"}


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=_HEADERS)


def _lang(request: Request, explicit: str | None = None) -> str:
    query = explicit or request.query_params.get("lang")
    return choose(query, request.headers.get("accept-language"))


@router.get("/", response_class=HTMLResponse)
def landing_page(request: Request) -> HTMLResponse:
    lang = _lang(request)
    switch = pages.link_switch(lang, "/")
    return _html(pages.page(lang, t(lang, "h.title"), pages.landing(lang), switch=switch))


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> HTMLResponse:
    lang = _lang(request)
    switch = pages.link_switch(lang, "/verify")
    return _html(pages.page(lang, t(lang, "title"), pages.verify_form(lang), switch=switch))


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(
    request: Request,
    runtime: Runtime,
    verifications: Verifications,
    courses: CourseMatches,
    credential: Annotated[str | None, Form(max_length=_MAX_TEXT)] = None,
    file: Annotated[UploadFile | None, File()] = None,
    qr: Annotated[UploadFile | None, File()] = None,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = _lang(request, lang)
    text = credential or ""
    if file is not None and file.filename:
        raw = await file.read(_MAX_TEXT + 1)
        if raw.strip():
            text = raw.decode("utf-8", errors="replace")
    if qr is not None and qr.filename:
        image = await qr.read()
        try:
            text, content = await to_thread.run_sync(read_upload, image, runtime.settings.origin)
        except QrError as exc:
            body = pages.qr_error_body(language, exc.key, exc.message)
            body += pages.verify_form(language, heading=False)
            page = pages.page(language, t(language, "result"), body, switch="")
            return _html(page, 422)
        if content.share_token is not None:  # the printable copy's QR: its share link
            return RedirectResponse(f"/v/{content.share_token}?lang={language}", 303)
    switch = pages.form_switch(language, text)
    try:
        outcome = await verifications.verify(parse_text(text))
    except (InvalidInput, VCError, VerificationTimeout, VerificationsBusy) as exc:
        message = exc.message if isinstance(exc, NodeError) else str(exc)
        status = exc.status_code if isinstance(exc, NodeError) else 422
        code = exc.code if isinstance(exc, NodeError) else ""
        body = pages.error_body(language, message, code)
        body += pages.verify_form(language, heading=False)
        return _html(pages.page(language, t(language, "result"), body, switch=switch), status)
    course = await to_thread.run_sync(courses.match, outcome.credential)
    body = _result(language, outcome, course=course) + pages.verify_form(language, heading=False)
    return _html(pages.page(language, t(language, "result"), body, switch=switch))


def _result(
    lang: str, outcome: Outcome, extra: str = "", *, course: CourseMatch | None = None
) -> str:
    return pages.result_body(
        lang,
        outcome.verdict,
        outcome.summary(lang),
        outcome.report.checks,
        extra + pages.course_match(lang, course),
        outcome.trust(lang),
        outcome.vocabulary(),
    )


def _copy_input(content: str) -> Mapping[str, Any] | str:
    return parse_text(content)


@router.get("/v/{token}", response_class=HTMLResponse)
def shared(
    token: str,
    request: Request,
    runtime: Runtime,
    verifier: CredentialVerifier,
    courses: CourseMatches,
) -> HTMLResponse:
    lang = _lang(request)
    switch = pages.link_switch(lang, f"/v/{token}")
    found = share.resolve(runtime.sessions, token)
    if found.state != "ok" or not found.copies:
        key = _LINK_STATES.get(found.state, "link_unknown")
        status = 410 if found.state in ("expired", "revoked") else 404
        body = pages.notice(lang, key, heading=t(lang, "title"))
        return _html(pages.page(lang, t(lang, "title"), body, switch=switch), status)
    outcome = verify_input(verifier, _copy_input(found.copies[0][1]))
    until = found.expires_at.strftime("%Y-%m-%d %H:%M UTC") if found.expires_at else ""
    print_url = f"/credentials/{found.record_id}/print?token={token}&lang={lang}"
    extra = pages.share_note(lang, until, print_url)
    body = _result(lang, outcome, extra, course=courses.match(outcome.credential))
    return _html(pages.page(lang, t(lang, "result"), body, switch=switch))


@router.get("/credentials/{record_id}/print", response_class=HTMLResponse)
def printable(
    record_id: str,
    request: Request,
    runtime: Runtime,
    verifier: CredentialVerifier,
    token: str = "",
) -> HTMLResponse:
    lang = _lang(request)
    found = share.resolve(runtime.sessions, token)
    if found.state != "ok" or found.record_id != record_id or not found.copies:
        # The same answer for an unknown record and a wrong token: nothing to enumerate.
        key = _LINK_STATES.get(found.state, "link_unknown")
        if found.record_id not in (None, record_id):
            key = "link_unknown"
        status = 410 if key != "link_unknown" else 404
        body = pages.notice(lang, key, heading=t(lang, "print"))
        return _html(pages.page(lang, t(lang, "print"), body, switch=""), status)
    outcome = verify_input(verifier, _copy_input(found.copies[0][1]))
    url = f"{runtime.settings.origin}/v/{token}"
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, border=4, title=t(lang, "print_hint"))
    body = pages.print_body(lang, outcome.summary(lang), url, svg, outcome.vocabulary())
    return _html(pages.page(lang, t(lang, "print"), body, switch=""))
