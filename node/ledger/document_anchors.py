"""Documents anchored one by one with the anchor rounds (node/ledger/row_anchor.py): each
digest (SHA-256 of a JCS document) as a one-leaf Merkle root.

- The catalogue's published versions (node/catalogue/entries.py), so anyone can prove which
  description a learner enrolled on: ``pending`` from publication.
- Agreed recognition agreement versions (node/agreements/service.py), so anyone can check
  what both parties signed.
- Stack rule versions (node/stacking/service.py), so anyone can see when a rule version a
  micro-degree cites was set: ``pending`` from publication.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import AnchorRegistry, MemberInfo, RootInfo
from node.db.models import AgreementVersion, CatalogueVersion, StackRuleVersion
from node.ledger.row_anchor import RowAnchorer
from node.ledger.single_root import single_root

# What each kind of document is: its table, its key, the order its rows are anchored in.
_KINDS: Final = {
    "catalogue version": (
        CatalogueVersion,
        (CatalogueVersion.entry_id, CatalogueVersion.number),
        CatalogueVersion.published_at,
    ),
    # the partner (who signs last) anchors; the proposer watches (``awaiting``) for the root
    "agreement version": (AgreementVersion, (AgreementVersion.url,), AgreementVersion.decided_at),
    "stack rule version": (StackRuleVersion, (StackRuleVersion.url,), StackRuleVersion.created_at),
}
KINDS: Final = tuple(_KINDS)


def document_anchorer(
    kind: str,
    sessions: sessionmaker[Session],
    chain: ChainClient,
    registry: AnchorRegistry,
    account: LocalAccount,
) -> RowAnchorer:
    """The anchorer of one kind of document (one of :data:`KINDS`)."""
    model, key, order = _KINDS[kind]
    return RowAnchorer(
        sessions, chain, registry, account, model=model, key=key, order=order, label=kind
    )


def anchored_by(
    root_info: Callable[[bytes], RootInfo | None],
    members: Sequence[MemberInfo],
    digest: str,
    did: str | None,
) -> tuple[bool | None, str]:
    """Whether a document's digest (hex) is anchored, as a one-leaf root, by the member
    ``did``: (True, where and when) | (None, not anchored yet) | (False, by whom else)."""
    info = root_info(bytes.fromhex(single_root(digest)))
    if info is None:
        return None, "not anchored on chain (yet)"
    by = {m.id: m.did for m in members}.get(info.member)
    if by != did:
        return False, f"anchored by member {info.member}, not by {did}"
    when = datetime.fromtimestamp(info.timestamp, UTC).isoformat(timespec="seconds")
    return True, f"anchored by {did} in block {info.block_number} ({when})"
