"""Anchoring the audit trail's head (node/audit/log.py) with the anchor rounds.

When the trail has grown since the last anchor and the window has passed, the head (its
``seq`` and hash) is committed as a BUILT :class:`~node.db.models.AuditAnchor` — before
anything is sent — and anchored as a one-leaf Merkle root (RFC 9162: the root of one leaf
is ``SHA-256(0x00 ‖ head)``, node/ledger/single_root.py) through the AnchorRegistry. An
anchor not yet confirmed is looked up on chain first and sent again only when its root is
absent, so a crash between the steps loses or repeats nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import AnchorRegistry, RegistryError
from node.audit.log import AuditLog
from node.db.models import AuditAnchor
from node.ledger.single_root import Sender, anchor_single, single_root

log = logging.getLogger(__name__)


def head_root(head: str) -> str:
    """The Merkle root (hex) anchored for an audit head (hex)."""
    return single_root(head)


class AuditAnchorer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: ChainClient,
        registry: AnchorRegistry,
        account: LocalAccount,
        window: timedelta,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._sender = Sender(registry, chain, account)
        self._window = window
        self._clock = clock
        self._log = AuditLog(sessions)

    def run_once(self, *, force: bool = False) -> int:
        """Confirm or (re)send unfinished anchors, then anchor the head if due; the number
        of anchors confirmed."""
        self._build(force=force)
        confirmed = 0
        with self._sessions() as session:
            unfinished = list(
                session.scalars(
                    select(AuditAnchor.id)
                    .where(AuditAnchor.state != "confirmed")
                    .order_by(AuditAnchor.id)
                )
            )
        for anchor_id in unfinished:
            confirmed += self._advance(anchor_id)
        return confirmed

    def _build(self, *, force: bool) -> None:
        head = self._log.head()
        if head is None:
            return
        with self._sessions() as session:
            last = session.scalar(select(AuditAnchor).order_by(AuditAnchor.seq.desc()).limit(1))
            if last is not None and last.seq >= head.seq:
                return
            if not force and last is not None and last.created_at > self._clock() - self._window:
                return
            session.add(
                AuditAnchor(seq=head.seq, head=head.hash, root=head_root(head.hash), state="built")
            )
            try:
                session.commit()
            except IntegrityError:  # another process built this head first
                session.rollback()

    def _advance(self, anchor_id: int) -> int:
        with self._sessions() as session:
            anchor = session.get_one(AuditAnchor, anchor_id)
            root, sent_before = anchor.root, anchor.tx_hash is not None

        def sent(tx_hash: str) -> None:
            self._mark(anchor_id, state="submitted", tx_hash=tx_hash)

        try:
            info = anchor_single(self._sender, root, sent_before=sent_before, on_sent=sent)
        except RegistryError as exc:
            self._note(anchor_id, f"anchorRoot refused: {exc.name}{exc.args_}")
            raise
        if info is None:
            return 0  # the next round looks again
        self._mark(
            anchor_id,
            state="confirmed",
            block_number=info.block_number,
            block_time=datetime.fromtimestamp(info.timestamp, UTC),
        )
        log.info("audit head of anchor %s confirmed in block %s", anchor_id, info.block_number)
        return 1

    def _note(self, anchor_id: int, reason: str) -> None:
        with self._sessions() as session, session.begin():
            session.get_one(AuditAnchor, anchor_id).last_error = reason

    def _mark(self, anchor_id: int, **values: object) -> None:
        with self._sessions() as session, session.begin():
            anchor = session.get_one(AuditAnchor, anchor_id)
            for key, value in values.items():
                setattr(anchor, key, value)

    def on_chain(self, root_hex: str) -> bool:
        return self._sender.registry.root_info(bytes.fromhex(root_hex)) is not None
