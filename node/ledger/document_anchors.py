"""Documents anchored one by one with the anchor rounds (node/ledger/row_anchor.py): each
digest (SHA-256 of a JCS document) as a one-leaf Merkle root.

- The catalogue's published versions (node/catalogue/entries.py), so anyone can prove which
  description a learner enrolled on: ``pending`` from publication.
- Agreed recognition agreement versions (node/agreements/service.py), so anyone can check
  what both parties signed.
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import AnchorRegistry
from node.db.models import AgreementVersion, CatalogueVersion
from node.ledger.row_anchor import RowAnchorer


def catalogue_anchorer(
    sessions: sessionmaker[Session],
    chain: ChainClient,
    registry: AnchorRegistry,
    account: LocalAccount,
) -> RowAnchorer:
    return RowAnchorer(
        sessions,
        chain,
        registry,
        account,
        model=CatalogueVersion,
        key=(CatalogueVersion.entry_id, CatalogueVersion.number),
        order=CatalogueVersion.published_at,
        label="catalogue version",
    )


def agreement_anchorer(
    sessions: sessionmaker[Session],
    chain: ChainClient,
    registry: AnchorRegistry,
    account: LocalAccount,
) -> RowAnchorer:
    """Agreed versions: the partner (who signs last) anchors; the proposer watches
    (``awaiting``) until the root is on chain."""
    return RowAnchorer(
        sessions,
        chain,
        registry,
        account,
        model=AgreementVersion,
        key=(AgreementVersion.url,),
        order=AgreementVersion.decided_at,
        label="agreement version",
    )
