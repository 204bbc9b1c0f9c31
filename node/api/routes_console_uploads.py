"""The staff console's CSV uploads (/console/uploads): a teacher's or registrar's file is
checked and previewed, then, once confirmed, its rows are prepared in the background while
the page shows the progress (it reloads itself: no script); the rows not prepared are a CSV.

HTTP only: the service is node/issuance/uploads.py; the pages are node/web/console_pages.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Path, UploadFile
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from node.api.console_http import (
    ConsoleAnswer,
    FormLang,
    FormMember,
    PageLang,
    PageMember,
    preparer,
    refusal,
    session_csrf,
)
from node.api.deps import CsvUploads
from node.api.learner_http import html, redirect
from node.errors import Conflict, InvalidInput, NotFound
from node.issuance.uploads import Upload, Uploads, UploadState
from node.staff.signin import Staff
from node.web import console_pages as cp
from node.web import learner_pages as lp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)

UploadId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
_REFRESH_SECONDS = 2


def _own(uploads: Uploads, upload_id: str, member: Staff, lang: str) -> Upload:
    """The member's upload (another member's is as unknown as a missing one)."""
    try:
        found = uploads.get(upload_id)
    except NotFound:
        found = None
    if found is None or found.staff_account_id != member.account_id:
        body = lp.message(lang, "c.uploads", t(lang, "c.upload_gone"))
        raise ConsoleAnswer(html(lang, t(lang, "c.uploads"), body, status_code=404))
    return found


def _uploads_page(
    lang: str, member: Staff, uploads: Uploads, *, message: str = "", status_code: int = 200
) -> HTMLResponse:
    recent = uploads.of_member(member.account_id)
    body = cp.uploads(lang, member, session_csrf(member), recent, message=message)
    return html(lang, t(lang, "c.uploads"), body, status_code=status_code, path="/console/uploads")


@router.get("/console/uploads", response_class=HTMLResponse)
def uploads_page(member: PageMember, lang: PageLang, uploads: CsvUploads) -> Response:
    return _uploads_page(lang, preparer(member, lang), uploads)


@router.post("/console/uploads", response_class=HTMLResponse)
async def upload(
    member: FormMember,
    lang: FormLang,
    uploads: CsvUploads,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check the file and show its preview; a file that is no CSV export: 422 and why."""
    preparer(member, lang)
    content = await file.read() if file is not None else b""
    name = (file.filename if file is not None else None) or "upload.csv"
    try:
        stored = await run_in_threadpool(uploads.upload, member.account_id, name, content)
    except InvalidInput as exc:
        return _uploads_page(lang, member, uploads, message=refusal(lang, exc), status_code=422)
    return redirect(f"/console/uploads/{stored.id}?lang={lang}")


@router.get("/console/uploads/{upload_id}", response_class=HTMLResponse)
def upload_page(
    upload_id: UploadId, member: PageMember, lang: PageLang, uploads: CsvUploads
) -> Response:
    shown = _own(uploads, upload_id, preparer(member, lang), lang)
    rows = uploads.preview(upload_id) if shown.state is UploadState.PREVIEWED else []
    body = cp.upload(lang, member, session_csrf(member), shown, rows)
    working = shown.state in (UploadState.QUEUED, UploadState.RUNNING)
    return html(
        lang,
        shown.filename,
        body,
        path=f"/console/uploads/{upload_id}",
        refresh=_REFRESH_SECONDS if working else None,
    )


@router.post("/console/uploads/{upload_id}/confirm", response_class=HTMLResponse)
def confirm(
    upload_id: UploadId,
    member: FormMember,
    lang: FormLang,
    uploads: CsvUploads,
    background: BackgroundTasks,
) -> Response:
    """Prepare the rows, after the response (the page shows the progress); a run that
    dies is taken over by the node's upload loop."""
    _own(uploads, upload_id, preparer(member, lang), lang)
    try:
        uploads.confirm(upload_id, member.account_id)
    except Conflict:
        pass  # confirmed twice (a double click): the page shows where it is
    else:
        background.add_task(uploads.run, upload_id)
    return redirect(f"/console/uploads/{upload_id}?lang={lang}")


@router.post("/console/uploads/{upload_id}/discard", response_class=HTMLResponse)
def discard(
    upload_id: UploadId, member: FormMember, lang: FormLang, uploads: CsvUploads
) -> Response:
    _own(uploads, upload_id, preparer(member, lang), lang)
    try:
        uploads.discard(upload_id, member.account_id)
    except Conflict as exc:
        return _uploads_page(lang, member, uploads, message=refusal(lang, exc), status_code=409)
    return redirect(f"/console/uploads?lang={lang}")


@router.get("/console/uploads/{upload_id}/problems.csv")
def problems_csv(
    upload_id: UploadId, member: PageMember, lang: PageLang, uploads: CsvUploads
) -> Response:
    shown = _own(uploads, upload_id, preparer(member, lang), lang)
    stem = shown.filename.rsplit(".", 1)[0] or "upload"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:80]
    return StreamingResponse(
        uploads.problems_csv(upload_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}-not-prepared.csv"'},
    )
