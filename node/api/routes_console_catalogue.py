"""The staff console's catalogue (/console/catalogue): every entry of the institution with
its versions; programme committees and registrars publish a draft, withdraw a version
(with the reason) and import entries from CSV or ELM JSON-LD.

HTTP only: the services are node/catalogue/entries.py and imports.py; the page is
node/web/console_pages.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from node.api.console_http import (
    ConsoleAnswer,
    FormLang,
    FormMember,
    PageLang,
    PageMember,
    forbidden,
    refusal,
    session_csrf,
)
from node.api.deps import LearningCatalogue
from node.api.learner_http import html, redirect
from node.catalogue.csv_import import Imported, import_row
from node.catalogue.entries import Catalogue
from node.catalogue.imports import rows_of
from node.errors import NodeError
from node.staff.signin import Staff
from node.web import console_pages as cp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)

EntryId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
Number = Annotated[int, Path(ge=1, le=100_000)]


def _page(
    lang: str,
    member: Staff,
    catalogue: Catalogue,
    *,
    outcomes: list[Imported] | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    body = cp.catalogue(
        lang,
        member,
        session_csrf(member),
        catalogue.entries(offered_only=False),
        outcomes=outcomes or [],
        message=message,
    )
    title = t(lang, "c.catalogue")
    return html(lang, title, body, status_code=status_code, path="/console/catalogue")


def _editor(member: Staff, lang: str) -> Staff:
    if not member.has(*cp.CATALOGUE_EDITORS):
        raise ConsoleAnswer(forbidden(lang))
    return member


@router.get("/console/catalogue", response_class=HTMLResponse)
def catalogue_page(member: PageMember, lang: PageLang, catalogue: LearningCatalogue) -> Response:
    return _page(lang, member, catalogue)


@router.post("/console/catalogue/import", response_class=HTMLResponse)
async def import_entries(
    member: FormMember,
    lang: FormLang,
    catalogue: LearningCatalogue,
    file: Annotated[UploadFile | None, File()] = None,
    publish: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Each row or opportunity imported on its own; the page shows what became of each."""
    _editor(member, lang)
    data = await file.read() if file is not None else b""

    def run() -> list[Imported]:
        rows, _total = rows_of(data)
        return [import_row(catalogue, row, publish=publish == "yes") for row in rows]

    try:
        outcomes = await run_in_threadpool(run)
    except NodeError as exc:
        return _page(lang, member, catalogue, message=refusal(lang, exc), status_code=422)
    rejected = any(o.outcome == "rejected" for o in outcomes)
    return _page(lang, member, catalogue, outcomes=outcomes, status_code=422 if rejected else 200)


@router.post("/console/catalogue/{entry_id}/publish", response_class=HTMLResponse)
def publish(
    entry_id: EntryId, member: FormMember, lang: FormLang, catalogue: LearningCatalogue
) -> Response:
    _editor(member, lang)
    try:
        catalogue.publish(entry_id)
    except NodeError as exc:
        return _page(
            lang, member, catalogue, message=refusal(lang, exc), status_code=exc.status_code
        )
    return redirect(f"/console/catalogue?lang={lang}")


@router.post(
    "/console/catalogue/{entry_id}/versions/{number}/withdraw", response_class=HTMLResponse
)
def withdraw(
    entry_id: EntryId,
    number: Number,
    member: FormMember,
    lang: FormLang,
    catalogue: LearningCatalogue,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    _editor(member, lang)
    try:
        catalogue.withdraw(entry_id, number, reason)
    except NodeError as exc:
        return _page(
            lang, member, catalogue, message=refusal(lang, exc), status_code=exc.status_code
        )
    return redirect(f"/console/catalogue?lang={lang}")
