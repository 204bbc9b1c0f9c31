"""The learner's page of one credential: what it says, its signed copies to download, and
a fresh wallet offer whose PIN is shown there (the PIN's own channel: never the mail).

Ownership is :meth:`LearnerAccounts.credential`'s: someone else's record is "not found".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialFormat, SignedCopy
from node.errors import Conflict, NotFound
from node.issuance.views import LearnerCredentialView
from node.learners.accounts import LearnerAccounts
from node.lookup.summary import credential_summary, vocabulary_of
from node.wallet.authorization import OFFERABLE
from node.wallet.offers import OfferCreated, WalletOffers
from vc.errors import MalformedError
from vc.jose import decode_jws

# Media type and file extension of each format's download.
_FILES: dict[str, tuple[str, str]] = {
    CredentialFormat.LDP_RDFC: ("application/vc", "json"),  # VCDM 2.0 §6.3
    CredentialFormat.LDP_JCS: ("application/vc", "json"),
    CredentialFormat.JWT_VC_JSON: ("application/jwt", "jwt"),
    CredentialFormat.SD_JWT_VC: ("application/dc+sd-jwt", "sd-jwt"),  # SD-JWT VC §3.1
}
_LDP = (CredentialFormat.LDP_RDFC, CredentialFormat.LDP_JCS)


@dataclass(frozen=True)
class CopyView:
    id: int
    format: str
    created_at: datetime


@dataclass(frozen=True)
class CredentialPage:
    view: LearnerCredentialView
    summary: dict[str, Any]  # what the credential says (node/lookup/summary), may be empty
    vocabulary: dict[str, list[str]]  # the codes behind its vocabulary fields
    copies: tuple[CopyView, ...]
    offerable: bool  # can go to a wallet (not revoked or suspended)


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: str


def _body(copy: SignedCopy) -> dict[str, Any] | None:
    """The credential body a copy carries (the ``vc`` claim of jwt_vc_json), if readable."""
    try:
        if copy.format in _LDP:
            body = json.loads(copy.content)
        elif copy.format == CredentialFormat.JWT_VC_JSON:
            body = decode_jws(copy.content)[1].get("vc")
        else:
            return None  # SD-JWT: claims of another shape; an LDP or JWT copy says the same
    except (ValueError, MalformedError):
        return None
    return body if isinstance(body, dict) else None


class Portal:
    def __init__(self, sessions: sessionmaker[Session], accounts: LearnerAccounts) -> None:
        self._sessions = sessions
        self._accounts = accounts

    def page(self, account_id: str, record_id: str, lang: str) -> CredentialPage:
        view = self._accounts.credential(account_id, record_id, lang)
        with self._sessions() as session:
            rows = list(
                session.scalars(
                    select(SignedCopy)
                    .where(SignedCopy.record_id == record_id)
                    .order_by(SignedCopy.id)
                )
            )
        summary: dict[str, Any] = {}
        vocabulary: dict[str, list[str]] = {}
        for row in rows:
            body = _body(row)
            if body is not None:
                summary, vocabulary = credential_summary(body, lang), vocabulary_of(body)
                break
        copies = tuple(CopyView(r.id, r.format, r.created_at) for r in rows)
        return CredentialPage(view, summary, vocabulary, copies, view.state in OFFERABLE)

    def download(self, account_id: str, record_id: str, copy_id: str) -> Download:
        self._accounts.credential(account_id, record_id, "en")  # the learner's own, or 404
        # A row id; anything else (or too long for an INTEGER column) is simply not there.
        if not (copy_id.isascii() and copy_id.isdigit()) or len(copy_id) > 9:
            raise NotFound("no such signed copy of this credential")
        with self._sessions() as session:
            copy = session.get(SignedCopy, int(copy_id))
            if copy is None or copy.record_id != record_id:
                raise NotFound("no such signed copy of this credential")
            media_type, extension = _FILES[copy.format]
            return Download(f"{record_id}-{copy.id}.{extension}", media_type, copy.content)

    def wallet_offer(self, account_id: str, record_id: str, offers: WalletOffers) -> OfferCreated:
        """A fresh offer of all formats with a PIN, for the learner's own eyes: nothing is
        mailed (the PIN and the offer reach the learner on this page only)."""
        view = self._accounts.credential(account_id, record_id, "en")
        if view.state not in OFFERABLE:
            raise Conflict(f"a {view.state} credential cannot be added to a wallet")
        return offers.create_offer(
            record_id, None, email=None, with_tx_code=True, expires_in=None, token_id=None
        )
