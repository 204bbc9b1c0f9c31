"""Anchoring the catalogue's published versions (node/catalogue/entries.py) with the
anchor rounds: each version's digest (SHA-256 of its JCS document) as a one-leaf Merkle root
(node/ledger/single_root.py), so anyone can prove which description a learner enrolled on.

A version is ``pending`` from its publication; a round records the root, sends it unless it
is on chain already, records the transaction (``submitted``) before waiting for its receipt
and, once the chain has the root, marks it ``confirmed`` with its block and time.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import AnchorRegistry, RegistryError
from node.db.models import CatalogueVersion
from node.ledger.single_root import Sender, anchor_single, single_root

log = logging.getLogger(__name__)
_PER_ROUND = 100


class CatalogueAnchorer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: ChainClient,
        registry: AnchorRegistry,
        account: LocalAccount,
    ) -> None:
        self._sessions = sessions
        self._sender = Sender(registry, chain, account)

    def run_once(self) -> int:
        """Anchor (or confirm) up to 100 versions; the number confirmed."""
        with self._sessions() as session:
            rows = session.execute(
                select(CatalogueVersion.entry_id, CatalogueVersion.number)
                .where(CatalogueVersion.anchor_state.in_(("pending", "submitted")))
                .order_by(CatalogueVersion.published_at)
                .limit(_PER_ROUND)
            )
            keys = [(entry_id, number) for entry_id, number in rows]
        return sum(self._advance(key) for key in keys)

    def _advance(self, key: tuple[str, int]) -> int:
        with self._sessions() as session, session.begin():
            version = session.get_one(CatalogueVersion, key)
            assert version.digest is not None  # published
            root = version.anchor_root or single_root(version.digest)
            version.anchor_root = root
            sent_before = version.anchor_tx is not None

        def sent(tx_hash: str) -> None:
            self._mark(key, anchor_state="submitted", anchor_tx=tx_hash)

        try:
            info = anchor_single(self._sender, root, sent_before=sent_before, on_sent=sent)
        except RegistryError as exc:
            self._mark(key, anchor_error=f"anchorRoot refused: {exc.name}{exc.args_}")
            raise
        if info is None:
            return 0
        self._mark(
            key,
            anchor_state="confirmed",
            anchor_block=info.block_number,
            anchor_time=datetime.fromtimestamp(info.timestamp, UTC),
            anchor_error=None,
        )
        log.info("catalogue version %s/%s anchored in block %s", *key, info.block_number)
        return 1

    def _mark(self, key: tuple[str, int], **values: object) -> None:
        with self._sessions() as session, session.begin():
            version = session.get_one(CatalogueVersion, key)
            for name, value in values.items():
                setattr(version, name, value)
