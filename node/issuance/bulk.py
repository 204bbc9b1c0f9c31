"""What a registrar does to several records at once (the console's registry page): revoke,
suspend or reinstate them with one reason (node/status/service.py, each record on its own:
one that cannot change does not stop the others), or sign the prepared ones. Each record's
outcome is reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

from node.db.models import CredentialFormat
from node.errors import InvalidInput, NodeError, Problem
from node.issuance.service import IssuanceService
from node.status.service import StatusService

BulkAction = Literal["revoke", "suspend", "reinstate", "sign"]
ACTIONS: Final[tuple[str, ...]] = get_args(BulkAction)
MAX_RECORDS: Final = 200  # a registry page


@dataclass(frozen=True)
class BulkOutcome:
    record_id: str
    ok: bool
    state: str | None  # the record's state after the action (or as it stayed)
    problem: str | None = None


def checked(action: str, record_ids: Sequence[str], reason: str) -> BulkAction:
    """The action, once the request is one: InvalidInput naming each wrong field."""
    problems = []
    if action not in ACTIONS:
        problems.append(Problem("action", f"one of {', '.join(ACTIONS)}"))
    if not record_ids:
        problems.append(Problem("record", "select at least one record"))
    elif len(record_ids) > MAX_RECORDS:
        problems.append(Problem("record", f"at most {MAX_RECORDS} records at once"))
    if action != "sign" and not reason.strip():
        problems.append(Problem("reason", "required"))
    if problems:
        raise InvalidInput("the bulk action cannot run", problems)
    return action  # type: ignore[return-value]


def run(
    action: BulkAction,
    record_ids: Sequence[str],
    reason: str,
    staff_account_id: int,
    *,
    statuses: StatusService,
    issuance: IssuanceService,
    formats: Sequence[CredentialFormat],
) -> list[BulkOutcome]:
    """``formats``: what ``sign`` signs each record in."""
    wanted = list(dict.fromkeys(record_ids))
    if action != "sign":
        changes = statuses.change(
            wanted, action, reason, None, strict=False, staff_account_id=staff_account_id
        )
        return [BulkOutcome(c.record_id, c.ok, c.state, c.problem) for c in changes]
    outcomes = []
    for record_id in wanted:
        try:
            record, _copies = issuance.issue_record(record_id, formats)
        except NodeError as exc:
            outcomes.append(BulkOutcome(record_id, False, None, exc.message))
        else:
            outcomes.append(BulkOutcome(record_id, True, record.state))
    return outcomes
