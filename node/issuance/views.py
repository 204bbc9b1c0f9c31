"""A credential record as its learner sees it in a list: title, issuer, date, state.

Below the capabilities that show such lists (the learner's pages, the wallet's consent page,
the offer page), so none of them imports another for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from node.db.models import CredentialRecord

__all__ = ["LearnerCredentialView", "view_of"]


@dataclass(frozen=True)
class LearnerCredentialView:
    """One line of "my credentials": what the learner recognises, and its state."""

    record_id: str
    title: str
    issuer: str
    date: str
    state: str


def _text(value: Any, lang: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        texts = {str(k): v for k, v in value.items() if isinstance(v, str)}
        return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")
    return ""


def view_of(record: CredentialRecord, lang: str) -> LearnerCredentialView:
    claims = record.claims
    bodies = claims.get("awardingBodies") or [{}]
    issued = record.issued_at.date().isoformat() if record.issued_at else ""
    return LearnerCredentialView(
        record_id=record.id,
        title=_text(claims.get("title"), lang) or record.id,
        issuer=_text(bodies[0].get("name") if isinstance(bodies[0], Mapping) else "", lang),
        date=str(claims.get("dateOfIssuing") or issued),
        state=record.state,
    )
