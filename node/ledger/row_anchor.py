"""Anchoring one digest per row, with the anchor rounds: a table's rows that carry a
``digest`` and the ``anchor_*`` columns (a catalogue version, an agreement version), each
anchored as a one-leaf Merkle root (node/ledger/single_root.py).

A row is ``pending`` until a round records its root, sends it unless it is on chain already,
records the transaction (``submitted``) before waiting for its receipt and, once the chain
has the root, marks it ``confirmed`` with its block and time. A row that another party
anchors (``watch``) is only looked up: confirmed once its root is on chain, by whomever.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import AnchorRegistry, RegistryError, RootInfo
from node.ledger.single_root import Sender, anchor_single, single_root

log = logging.getLogger(__name__)
_PER_ROUND = 100


class AnchoredRow(Protocol):
    digest: Any
    anchor_root: Any
    anchor_state: Any
    anchor_tx: Any


class RowAnchorer:
    """Anchors the rows of ``model`` whose ``anchor_state`` is pending or submitted (or, for
    ``watch``, awaiting: looked up only), oldest ``order`` first; ``key`` the primary key's
    columns."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: ChainClient,
        registry: AnchorRegistry,
        account: LocalAccount,
        *,
        model: type[Any],
        key: tuple[InstrumentedAttribute[Any], ...],
        order: InstrumentedAttribute[Any],
        label: str,
    ) -> None:
        self._sessions = sessions
        self._sender = Sender(registry, chain, account)
        self._model, self._key, self._order, self._label = model, key, order, label

    def run_once(self) -> int:
        """Anchor (or confirm) up to 100 rows; the number confirmed."""
        state: ColumnElement[Any] = self._model.anchor_state
        with self._sessions() as session:
            rows = session.execute(
                select(*self._key, state)
                .where(state.in_(("pending", "submitted", "awaiting")))
                .order_by(self._order)
                .limit(_PER_ROUND)
            )
            found = [(tuple(row[:-1]), row[-1]) for row in rows]
        return sum(self._advance(key, watch=now == "awaiting") for key, now in found)

    def _advance(self, key: tuple[Any, ...], *, watch: bool) -> int:
        with self._sessions() as session, session.begin():
            row: AnchoredRow = session.get_one(self._model, key)
            assert row.digest is not None  # set before anchoring is asked
            root = row.anchor_root or single_root(row.digest)
            row.anchor_root = root
            sent_before = row.anchor_tx is not None

        def sent(tx_hash: str) -> None:
            self._mark(key, anchor_state="submitted", anchor_tx=tx_hash)

        info: RootInfo | None
        if watch:
            info = self._sender.registry.root_info(bytes.fromhex(root))
        else:
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
        log.info("%s %s anchored in block %s", self._label, key, info.block_number)
        return 1

    def _mark(self, key: tuple[Any, ...], **values: object) -> None:
        with self._sessions() as session, session.begin():
            row = session.get_one(self._model, key)
            for name, value in values.items():
                setattr(row, name, value)
