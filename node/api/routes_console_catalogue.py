"""The staff console's catalogue (/console/catalogue): every entry of the institution with
its versions; programme committees and registrars publish a draft, withdraw a version
(with the reason) and import entries from CSV or ELM JSON-LD.

HTTP only: the services are node/catalogue/entries.py and imports.py; the page is
node/web/console_pages.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
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
from node.catalogue.csv_import import (
    Imported,
    cells_from_content,
    content_from_cells,
    import_row,
)
from node.catalogue.entries import Catalogue
from node.catalogue.imports import rows_of
from node.errors import InvalidInput, NodeError, Problem
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


_LISTS = ("languages", "assessment_types")  # checkboxes: several values
_LINES = ("outcome@", "esco_skills")  # one item per line


async def _cells(request: Request) -> dict[str, str]:
    """The form as cells named like the import's columns (node/catalogue/csv_import.py)."""
    form = await request.form()
    cells: dict[str, str] = {}
    for name in form:
        if name in ("csrf", "lang"):
            continue
        values = [str(v) for v in form.getlist(name) if isinstance(v, str)]
        if name in _LISTS:
            cells[name] = "|".join(v for v in values if v)
        elif name.startswith(_LINES):
            lines = (line.strip() for line in values[-1].splitlines()) if values else ()
            cells[name] = "|".join(line for line in lines if line)
        else:
            cells[name] = values[-1] if values else ""
    return cells


def _form_page(
    lang: str,
    member: Staff,
    cells: dict[str, str],
    *,
    entry_id: str | None,
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    action = f"/console/catalogue/{entry_id}/edit" if entry_id else "/console/catalogue/new"
    heading = t(lang, "c.catalogue_edit" if entry_id else "c.catalogue_new")
    body = cp.catalogue_form(
        lang,
        member,
        session_csrf(member),
        action=action,
        heading=heading,
        cells=cells,
        problems=problems or [],
    )
    status = 422 if problems else 200
    return html(lang, heading, body, status_code=status, path=action)


@router.get("/console/catalogue/new", response_class=HTMLResponse)
def new_entry_form(member: PageMember, lang: PageLang) -> Response:
    return _form_page(lang, _editor(member, lang), {}, entry_id=None)


@router.get("/console/catalogue/{entry_id}/edit", response_class=HTMLResponse)
def edit_entry_form(
    entry_id: EntryId, member: PageMember, lang: PageLang, catalogue: LearningCatalogue
) -> Response:
    """The form filled from the draft, else from the newest version."""
    _editor(member, lang)
    entry = catalogue.entry(entry_id)
    latest = entry.draft or entry.versions[-1]
    return _form_page(lang, member, cells_from_content(latest.content), entry_id=entry_id)


@router.post("/console/catalogue/new", response_class=HTMLResponse)
async def create_entry(
    request: Request, member: FormMember, lang: FormLang, catalogue: LearningCatalogue
) -> Response:
    _editor(member, lang)
    return await _save(request, member, lang, catalogue, None)


@router.post("/console/catalogue/{entry_id}/edit", response_class=HTMLResponse)
async def edit_entry(
    entry_id: EntryId,
    request: Request,
    member: FormMember,
    lang: FormLang,
    catalogue: LearningCatalogue,
) -> Response:
    _editor(member, lang)
    return await _save(request, member, lang, catalogue, entry_id)


async def _save(
    request: Request, member: Staff, lang: str, catalogue: Catalogue, entry_id: str | None
) -> Response:
    """The draft saved (a new entry, or the entry's draft), else the form again with why."""
    cells = await _cells(request)
    content, problems = content_from_cells(cells)
    if problems:
        return _form_page(lang, member, cells, entry_id=entry_id, problems=problems)
    try:
        if entry_id is None:
            await run_in_threadpool(catalogue.create, content)
        else:
            await run_in_threadpool(catalogue.edit, entry_id, content)
    except InvalidInput as exc:
        return _form_page(lang, member, cells, entry_id=entry_id, problems=list(exc.problems))
    except NodeError as exc:
        return _page(
            lang, member, catalogue, message=refusal(lang, exc), status_code=exc.status_code
        )
    return redirect(f"/console/catalogue?lang={lang}")


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
