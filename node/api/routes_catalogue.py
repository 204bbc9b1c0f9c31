"""The catalogue of learning opportunities over HTTP: the admin API (create, edit the draft,
publish, withdraw), the public list (``GET /api/catalogue``) and each version's URL, which
serves HTML by default, ELM 3 JSON-LD on ``Accept: application/ld+json`` and the plain JSON
document on ``Accept: application/json`` (``?format=html|jsonld|json`` overrides). The JSON
is the version's document with one member added, ``status`` (state, digest, anchor): the
digest is the SHA-256 of the RFC 8785 form of everything else.

HTTP only: the service is node/catalogue/entries.py, the formats node/catalogue/elm.py, the
page node/web/catalogue_pages.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field

from node.api.deps import (
    CatalogueLists,
    IssuerToken,
    KeptVersion,
    LearningCatalogue,
    NetworkCatalogue,
    NetworkName,
    NetworkSearch,
)
from node.api.errors import COMMON_RESPONSES, ERROR_RESPONSES, ErrorOut
from node.api.learner_http import html
from node.api.schemas import Wire
from node.catalogue.elm import learning_opportunity, schema_org_course
from node.catalogue.entries import Anchor, Catalogue, Entry, Version, digest_of
from node.catalogue.search import MAX_LIMIT, MAX_OFFSET, CatalogueQuery, CatalogueSearcher, Hit
from node.db.models import utcnow
from node.errors import InvalidInput, NotFound, Problem
from node.i18n.catalogues import translator
from node.ledger.single_root import single_root
from node.network.catalogue_sync import PeerVersion, by_entry
from node.web.catalogue_pages import version_page
from node.web.catalogue_search_page import SearchForm, search_page
from node.web.i18n import choose

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such entry, or no such version published"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The version's state forbids this"}
}
admin = APIRouter(
    prefix="/admin/catalogue",
    tags=["catalogue"],
    responses={**ERROR_RESPONSES, **_NOT_FOUND, **_CONFLICT},
)
public = APIRouter(tags=["catalogue"], responses={**COMMON_RESPONSES, **_NOT_FOUND})

EntryId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
Number = Annotated[int, Path(ge=1, le=100_000)]
LD_JSON = "application/ld+json"
AS_OF_MARGIN = timedelta(seconds=60)


class ContentIn(Wire):
    content: dict[str, Any] = Field(
        description="The learning opportunity (node/catalogue/model.py CatalogueContent: "
        "title, abstract, fieldOfStudy, eqfLevel, workload, languages, participationForm, "
        "learningOutcomes, assessmentTypes, startDate or freeStart, …)"
    )


class WithdrawIn(Wire):
    reason: str = Field(max_length=1000, description="Why it is no longer offered")


class AnchorOut(Wire):
    state: str = Field(description="pending | submitted | confirmed")
    root: str | None = Field(description="The one-leaf Merkle root of the digest (hex)")
    tx_hash: str | None
    block_number: int | None
    block_time: datetime | None

    @classmethod
    def of(cls, anchor: Anchor | None) -> AnchorOut | None:
        if anchor is None:
            return None
        return cls(
            state=anchor.state,
            root=anchor.root,
            tx_hash=anchor.tx_hash,
            block_number=anchor.block,
            block_time=anchor.at,
        )


class VersionOut(Wire):
    version: int
    state: str
    url: str
    digest: str | None = Field(description="SHA-256 of the version's JCS document; None: draft")
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    anchor: AnchorOut | None = Field(description="Its digest on chain; None: a draft")
    content: dict[str, Any] | None = Field(description="None in the index view")

    @classmethod
    def of(cls, v: Version, *, content: bool = True) -> VersionOut:
        return cls(
            version=v.number,
            state=v.state.value,
            url=v.url,
            digest=v.digest,
            published_at=v.published_at,
            withdrawn_at=v.withdrawn_at,
            withdrawn_reason=v.withdrawn_reason,
            anchor=AnchorOut.of(v.anchor),
            content=v.content if content else None,
        )

    @classmethod
    def of_peer(cls, v: PeerVersion, *, content: bool = True) -> VersionOut:
        return cls(
            version=v.number,
            state=v.state,
            url=v.url,
            digest=v.digest,
            published_at=v.document.get("publishedAt"),
            withdrawn_at=None,
            withdrawn_reason=None,
            anchor=AnchorOut(
                state="confirmed",
                root=single_root(v.digest),
                tx_hash=None,
                block_number=v.anchor_block,
                block_time=v.anchor_time,
            ),
            content=v.document.get("content") if content else None,
        )


class MemberOut(Wire):
    id: int = Field(description="The member's id in the network's registry")
    did: str
    status: str = Field(description="active | suspended | … as the chain has it now")


class EntryOut(Wire):
    id: str
    url: str
    created_at: datetime | None = Field(description="None for another member's entry")
    member: MemberOut | None = Field(
        default=None, description="Another member's entry (scope=network); None: this node's"
    )
    versions: list[VersionOut]

    @classmethod
    def of(cls, entry: Entry, *, drafts: bool = True, content: bool = True) -> EntryOut:
        shown = entry.versions if drafts else entry.published
        return cls(
            id=entry.id,
            url=entry.url,
            created_at=entry.created_at,
            versions=[VersionOut.of(v, content=content) for v in shown],
        )

    @classmethod
    def of_peer(cls, versions: list[PeerVersion], *, content: bool = True) -> EntryOut:
        first = versions[0]
        return cls(
            id=first.entry_url.rstrip("/").rsplit("/", 1)[-1],
            url=first.entry_url,
            created_at=None,
            member=MemberOut(id=first.member_id, did=first.member_did, status=first.member_status),
            versions=[VersionOut.of_peer(v, content=content) for v in versions],
        )

    @classmethod
    def of_hit(cls, hit: Hit, *, content: bool = True) -> EntryOut:
        document = hit.document
        member = None
        if hit.member_id is not None:
            did = str(document["institution"]["id"])
            member = MemberOut(id=hit.member_id, did=did, status=hit.member_status)
        entry_url = str(document["entry"])
        version = VersionOut(
            version=document["version"],
            state="published",
            url=document["id"],
            digest=hit.digest,
            published_at=document["publishedAt"],
            withdrawn_at=None,
            withdrawn_reason=None,
            anchor=AnchorOut.of(hit.anchor),
            content=hit.content if content else None,
        )
        return cls(
            id=entry_url.rstrip("/").rsplit("/", 1)[-1],
            url=entry_url,
            created_at=None,
            member=member,
            versions=[version],
        )


class CatalogueOut(Wire):
    items: list[EntryOut]
    total: int | None = Field(
        default=None, description="A search: how many entries match (None: not a search)"
    )
    next: str | None = Field(default=None, description="A search: the next page's URL")
    refused: int | None = Field(
        default=None,
        description="A search: results on this page left out because their stored copy no "
        "longer hashes to its anchored digest",
    )
    as_of: datetime | None = Field(
        default=None,
        description="With changedSince: pass this as the next changedSince. It lies a minute "
        "before the request (a publication under way then commits later with an earlier "
        "time), so a change may be listed twice, never missed",
    )


def search_query(
    scope: Annotated[
        Literal["institution", "network"],
        Query(description="network: also the other members' entries, as kept here"),
    ] = "institution",
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words (all must match, each also as a prefix)"),
    ] = None,
    field: Annotated[
        str | None, Query(pattern=r"^\d{2,4}$", description="ISCED-F code or its first digits")
    ] = None,
    eqf: Annotated[list[int] | None, Query(description="EQF levels (any of them)")] = None,
    ects_min: Annotated[float | None, Query(alias="ectsMin", ge=0, le=240)] = None,
    ects_max: Annotated[float | None, Query(alias="ectsMax", ge=0, le=240)] = None,
    language: Annotated[
        str | None, Query(pattern=r"^[a-z]{2,3}$", description="A language of instruction")
    ] = None,
    mode: Annotated[Literal["online", "onsite", "blended"] | None, Query()] = None,
    starts_from: Annotated[
        date | None,
        Query(alias="startsFrom", description="Starting on or after (free start: any day)"),
    ] = None,
    starts_until: Annotated[date | None, Query(alias="startsUntil")] = None,
    institution: Annotated[
        str | None, Query(max_length=400, description="The institution's DID")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
    offset: Annotated[int | None, Query(ge=0, le=MAX_OFFSET)] = None,
) -> CatalogueQuery | None:
    """The search asked for; None when no search parameter is given (the plain list)."""
    asked = (q, field, eqf, ects_min, ects_max, language, mode, starts_from, starts_until)
    if all(v is None for v in (*asked, institution, limit, offset)):
        return None
    return CatalogueQuery(
        text=q or "",
        field=field,
        eqf=tuple(eqf or ()),
        ects_min=ects_min,
        ects_max=ects_max,
        language=language,
        mode=mode,
        starts_from=starts_from,
        starts_until=starts_until,
        institution=institution,
        network=scope == "network",
        limit=limit or 20,
        offset=offset or 0,
    )


@admin.post("", status_code=status.HTTP_201_CREATED, summary="A new entry (version 1, a draft)")
def create_entry(body: ContentIn, catalogue: LearningCatalogue, token: IssuerToken) -> EntryOut:
    return EntryOut.of(catalogue.create(body.content, token.id))


@admin.get("", summary="Every entry with every version, drafts included")
def list_entries(catalogue: LearningCatalogue, _token: IssuerToken) -> CatalogueOut:
    return CatalogueOut(items=[EntryOut.of(e) for e in catalogue.entries(offered_only=False)])


@admin.get("/{entry_id}", summary="One entry with every version")
def get_entry(entry_id: EntryId, catalogue: LearningCatalogue, _token: IssuerToken) -> EntryOut:
    return EntryOut.of(catalogue.entry(entry_id))


@admin.put("/{entry_id}/draft", summary="Replace the draft, or start the next version's")
def edit_draft(
    entry_id: EntryId, body: ContentIn, catalogue: LearningCatalogue, _token: IssuerToken
) -> EntryOut:
    return EntryOut.of(catalogue.edit(entry_id, body.content))


@admin.post("/{entry_id}/publish", summary="Publish the draft: it never changes again")
def publish(entry_id: EntryId, catalogue: LearningCatalogue, _token: IssuerToken) -> VersionOut:
    return VersionOut.of(catalogue.publish(entry_id))


@admin.post("/{entry_id}/versions/{number}/withdraw", summary="No longer offered")
def withdraw(
    entry_id: EntryId,
    number: Number,
    body: WithdrawIn,
    catalogue: LearningCatalogue,
    _token: IssuerToken,
) -> VersionOut:
    return VersionOut.of(catalogue.withdraw(entry_id, number, body.reason))


@public.get(
    "/api/catalogue",
    summary="The entries on offer, each with its published versions",
    description="An `ETag` comes with the answer: sent back as `If-None-Match`, an unchanged "
    "list is a 304 without a body. `changedSince`: instead, the entries with a version "
    "published or withdrawn after that moment, on offer or not (a peer's incremental sync).",
    response_model=CatalogueOut,
    responses={304: {"description": "Unchanged since the ETag sent"}},
)
def public_catalogue(
    request: Request,
    catalogue: LearningCatalogue,
    network: NetworkCatalogue,
    search: NetworkSearch,
    lists: CatalogueLists,
    query: Annotated[CatalogueQuery | None, Depends(search_query)],
    changed_since: Annotated[datetime | None, Query(alias="changedSince")] = None,
    view: Annotated[
        Literal["full", "index"], Query(description="index: the versions without content")
    ] = "full",
    scope: Annotated[Literal["institution", "network"], Query()] = "institution",
) -> Response:
    if changed_since is not None and changed_since.tzinfo is None:
        raise InvalidInput(
            "catalogue query refused", [Problem("changedSince", "a time with its offset")]
        )
    if changed_since is not None and (scope == "network" or query is not None):
        raise InvalidInput(
            "catalogue query refused",
            [Problem("changedSince", "lists this institution's changes only, not a search")],
        )
    content = view == "full"
    if query is not None:
        etag, data = _tagged(_found(request, search, query, content))
    elif changed_since is None and scope == "institution":  # what members' syncs ask
        key = (view, catalogue.fingerprint())
        etag, data = lists.get(key, lambda: _tagged(_listed(catalogue, content)))
    else:
        kept = network if scope == "network" else None
        as_of = utcnow() - AS_OF_MARGIN  # before reading: what commits later is in the next
        listed = _listed(catalogue, content, changed_since, kept)
        if changed_since is not None:
            listed["asOf"] = as_of.isoformat()
        etag, data = _tagged(listed)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _unchanged(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(data, headers=headers)


def _found(
    request: Request, search: CatalogueSearcher, query: CatalogueQuery, content: bool
) -> dict[str, Any]:
    """A search's page (JSON form)."""
    found = search.search(query)
    after = found.next_offset
    body = CatalogueOut(
        items=[EntryOut.of_hit(hit, content=content) for hit in found.hits],
        total=found.total,
        next=str(request.url.include_query_params(offset=after)) if after else None,
        refused=found.refused,
    )
    return body.model_dump(mode="json", by_alias=True, exclude={"as_of"})


def _listed(
    catalogue: Catalogue,
    content: bool,
    changed_since: datetime | None = None,
    network: Callable[[], list[PeerVersion]] | None = None,
) -> dict[str, Any]:
    """The plain list (JSON form): this institution's entries on offer (or changed since),
    with the members' kept ones given ``network``."""
    entries = catalogue.entries(changed_since=changed_since)
    items = [EntryOut.of(e, drafts=False, content=content) for e in entries]
    if network is not None:
        items += [EntryOut.of_peer(v, content=content) for v in by_entry(network())]
    searched = {"total", "next", "refused", "as_of"}  # a plain list has none of them
    return CatalogueOut(items=items).model_dump(mode="json", by_alias=True, exclude=searched)


def _tagged(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The answer with its ETag: the SHA-256 of its JCS form."""
    return f'"{digest_of(data)}"', data


def _unchanged(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*``, or one of the tags (weak comparison: W/ is ignored)."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@public.get(
    "/catalogue",
    summary="Search the network's catalogue (an HTML page)",
    response_class=HTMLResponse,
    responses={422: {"description": "A value of the form cannot be read (named on the page)"}},
)
def catalogue_search(
    request: Request,
    search: NetworkSearch,
    network_name: NetworkName,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    page_lang = choose(lang, request.headers.get("accept-language"))
    form = SearchForm.read(request.query_params)
    results = search.search(form.query) if form.query is not None else None
    network = network_name or translator(page_lang).gettext("this network")
    body = search_page(page_lang, form, results, search.institutions(), network)
    title = translator(page_lang).gettext("Courses of the network")
    page = html(
        page_lang, title, body, path="/catalogue", status_code=422 if form.problems else 200
    )
    return page


@public.get("/catalogue/{entry_id}", summary="The entry: to its newest version on offer")
def entry_page(entry_id: EntryId, request: Request, catalogue: LearningCatalogue) -> Response:
    current = catalogue.entry(entry_id).current
    if current is None:
        raise NotFound(f"catalogue entry {entry_id} has no version on offer")
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/catalogue/{entry_id}/versions/{current.number}{query}", 303)


@public.get(
    "/catalogue/{entry_id}/versions/{number}",
    summary="A published version: HTML, ELM 3 JSON-LD or JSON",
    responses={200: {"content": {"text/html": {}, LD_JSON: {}, "application/json": {}}}},
)
def version(
    entry_id: EntryId,
    number: Number,
    request: Request,
    catalogue: LearningCatalogue,
    format: Literal["html", "jsonld", "json"] | None = None,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    found = catalogue.published_version(entry_id, number)
    return _served(request, found, format, lang)


@public.get(
    "/catalogue/network/version",
    summary="Another member's published version, as this node keeps it",
    description="Its document was kept only after its digest was found anchored on chain by "
    "that member; the digest is recomputed before it is served (a changed copy: 404). "
    "Served while the member is offline.",
    responses={200: {"content": {"text/html": {}, LD_JSON: {}, "application/json": {}}}},
)
def kept_version(
    url: Annotated[str, Query(max_length=1000, description="The version's URL at the member")],
    request: Request,
    kept: KeptVersion,
    format: Literal["html", "jsonld", "json"] | None = None,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    found = kept(url)
    if found is None:
        raise NotFound("this node keeps no checked copy of that version")
    links = f"/catalogue/network/version?{urlencode({'url': url})}&"
    did = str(found.document["institution"]["id"])
    return _served(request, found.version(), format, lang, links=links, kept_from=did)


def _served(
    request: Request,
    found: Version,
    format: str | None,
    lang: str | None,
    *,
    links: str | None = None,
    kept_from: str | None = None,
) -> Response:
    """A version in the format asked for (``?format=``, else the Accept header)."""
    document = found.document or {}
    chosen = format or _negotiated(request.headers.get("accept", ""))
    vary = {"Vary": "Accept"}  # one URL, three formats
    if chosen == "jsonld":
        return JSONResponse(learning_opportunity(document), media_type=LD_JSON, headers=vary)
    if chosen == "json":
        anchor = AnchorOut.of(found.anchor)
        status: dict[str, Any] = {"state": found.state.value, "digest": found.digest}
        status["anchor"] = anchor.model_dump(mode="json", by_alias=True) if anchor else None
        return JSONResponse(document | {"status": status}, headers=vary)
    page_lang = choose(lang, request.headers.get("accept-language"))
    course = schema_org_course(document, page_lang)
    body = version_page(page_lang, found, course, links=links, kept_from=kept_from)
    page = html(page_lang, found.title(page_lang), body, path=request.url.path)
    page.headers["Vary"] = "Accept"
    return page


def _negotiated(accept: str) -> str:
    """The first of the Accept header's types this URL serves (no q-value ranking: the
    clients that ask for JSON name it alone)."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media == LD_JSON:
            return "jsonld"
        if media == "application/json":
            return "json"
        if media in ("text/html", "*/*"):
            return "html"
    return "html"
