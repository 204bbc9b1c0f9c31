"""Stackable micro-degrees over HTTP: the public rules (``GET /api/stacks``, each version at
its URL), the rule schema, the check of a micro-degree with its parts, and the admin API
(define and amend rules, a learner's progress from files or the wallet, the issue).

HTTP only: the service is node/stacking/service.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, status

from node.api.deps import AdminToken, IssuerToken, StackRules
from node.api.errors import COMMON_RESPONSES, ERROR_RESPONSES, ErrorOut
from node.stacking.rules import SCHEMA_ID, SCHEMA_PATH, stack_rule_json_schema

_REFUSED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such stack, version or progress"},
    409: {"model": ErrorOut, "description": "The rule does not hold, or it changed since"},
}
public = APIRouter(tags=["stacks"], responses={**COMMON_RESPONSES, **_REFUSED})
admin = APIRouter(
    prefix="/admin/stacks", tags=["stacks"], responses={**ERROR_RESPONSES, **_REFUSED}
)
StackId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
ProgressId = StackId
Rule = Annotated[
    Any,
    Body(
        description="The rule (schema: /schemas/stack-rule/v1.json without the identity the "
        "node adds): `entry` (the micro-degree's catalogue version), `title`, `groups` of "
        "`components`, `minEcts`, optional `minEqf`, `maxAgeMonths`"
    ),
]
Files = Annotated[Any, Body(description="`credentials`: JSON credentials or JWTs")]
Issue = Annotated[
    Any,
    Body(
        description="`claims`: the institution's elements (awarding bodies, quality "
        "assurance, a grade); the course comes from the entry, the learner from the parts"
    ),
]
Check = Annotated[
    Any, Body(description="`credential`: the micro-degree; `parts`: the credentials it names")
]


@public.get("/api/stacks", summary="This institution's stack rules, each with its versions")
def stacks(service: StackRules) -> dict[str, Any]:
    return {"items": service.stacks()}


@public.get("/api/stacks/{stack_id}", summary="One stack rule with its versions")
def stack(stack_id: StackId, service: StackRules) -> dict[str, Any]:
    return service.stack(stack_id)


@public.get(
    "/api/stacks/{stack_id}/versions/{number}",
    summary="A rule version's document (what a micro-degree cites, by URL and digest)",
)
def version(
    stack_id: StackId, number: Annotated[int, Path(ge=1, le=100_000)], service: StackRules
) -> dict[str, Any]:
    return service.version(stack_id, number)


@public.get(SCHEMA_PATH, tags=["vocabulary"], summary=f"JSON Schema of a stack rule ({SCHEMA_ID})")
def stack_rule_schema() -> dict[str, Any]:
    return stack_rule_json_schema()


@public.post(
    "/api/stacks/check",
    summary="Check a micro-degree with its parts",
    description="The micro-degree's own checks, and `parts`: each part it names presented, "
    "verified as of its issuance (signature, anchor, status then), and the rule version it "
    "cites (matched to its digest) holding for them. `valid` only when every check ran "
    "and passed.",
)
def check(service: StackRules, body: Check) -> dict[str, Any]:
    return service.check(body)


@admin.post("", status_code=status.HTTP_201_CREATED, summary="A new stack rule (version 1)")
def define(token: AdminToken, service: StackRules, body: Rule) -> dict[str, Any]:
    return service.define(body, f"token {token.name}")


@admin.post(
    "/{stack_id}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="A new version of a stack rule (earlier versions stay)",
)
def amend(stack_id: StackId, token: AdminToken, service: StackRules, body: Rule) -> dict[str, Any]:
    return service.amend(stack_id, body, f"token {token.name}")


@admin.post(
    "/{stack_id}/progress",
    status_code=status.HTTP_201_CREATED,
    summary="A learner's progress from credentials handed over as files",
    description="Each credential runs the full pipeline, then the rule's newest version: "
    "each component met, missing, failed (and why) or unchecked.",
)
def progress(
    stack_id: StackId, token: IssuerToken, service: StackRules, body: Files
) -> dict[str, Any]:
    return service.progress(stack_id, body, f"token {token.name}")


@admin.post(
    "/{stack_id}/progress/wallet",
    status_code=status.HTTP_201_CREATED,
    summary="Ask the learner's wallet for their credentials (OpenID4VP)",
)
def progress_from_wallet(
    stack_id: StackId, token: IssuerToken, service: StackRules
) -> dict[str, Any]:
    return service.ask_wallet(stack_id, f"token {token.name}")


@admin.get("/progress/{progress_id}", summary="A progress: evidence, components, the issue")
def get_progress(
    progress_id: ProgressId, _token: IssuerToken, service: StackRules
) -> dict[str, Any]:
    return service.get(progress_id)


@admin.post(
    "/progress/{progress_id}/issue",
    summary="Issue the micro-degree (through the approval chain where one is configured)",
    description="The parts are verified and the rule judged again; refused (409) when it "
    "does not hold now or a newer rule version replaced the one they were presented under.",
)
def issue(
    progress_id: ProgressId, token: IssuerToken, service: StackRules, body: Issue
) -> dict[str, Any]:
    return service.issue(progress_id, body, f"token {token.name}")
