"""The anchor worker: pending copies → Merkle batch → ``anchorRoot`` → confirmed proofs.

Crash safety (docs/architecture.md, "Anchoring"): a batch is committed as BUILT (root, leaf count,
every leaf's index) *before* anything is sent; the tx hash is recorded as SUBMITTED after the
send; CONFIRMED, with every leaf's inclusion proof, once the receipt is deep enough. After a
crash, an unfinished batch is checked against the chain (receipt, then ``rootInfo``) and
sent again only when its root is truly absent — and the contract rejects duplicates anyway.
Named fault points (:mod:`node.faults`): ``after_build``, ``after_send``, ``before_confirm``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.errors import ReceiptTimeout, TransactionFailed
from anchoring.merkle import MerkleTree
from anchoring.registries import AnchorRegistry, RegistryError, RootInfo
from node import faults
from node.db.models import AnchorBatch, BatchState, SignedCopy

log = logging.getLogger(__name__)
_PROOF_CHUNK = 5_000


@dataclass(frozen=True)
class WorkerSettings:
    max_batch: int = 100_000  # leaves per batch (one transaction covers them all)
    window: timedelta = timedelta(seconds=10)  # a batch closes at the latest after this
    confirmations: int = 0  # 0 on QBFT (immediate finality); N on dev chains
    receipt_timeout: float = 60.0


class AnchorWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: ChainClient,
        registry: AnchorRegistry,
        account: LocalAccount,
        settings: WorkerSettings = WorkerSettings(),
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._chain = chain
        self._registry = registry
        self._account = account
        self._settings = settings
        self._clock = clock
        self._chain_id: int | None = None

    # -- the loop ----------------------------------------------------------------------------

    def run_once(self, *, force: bool = False) -> int:
        """Finish unfinished batches, then anchor one new batch if due (or ``force``).

        Returns the number of leaves confirmed in this call.
        """
        confirmed = 0
        for unfinished in self._unfinished():
            confirmed += self._advance(unfinished)
        built = self._build(force=force)
        if built is not None:
            confirmed += self._advance(built)
        return confirmed

    # -- steps -------------------------------------------------------------------------------

    def _unfinished(self) -> list[int]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(AnchorBatch.id)
                    .where(AnchorBatch.state != BatchState.CONFIRMED.value)
                    .order_by(AnchorBatch.id)
                )
            )

    def _build(self, *, force: bool) -> int | None:
        """Take pending copies into a new BUILT batch, committed before any send."""
        with self._sessions() as session, session.begin():
            pending = session.execute(
                select(SignedCopy.id, SignedCopy.leaf_digest, SignedCopy.created_at)
                .where(SignedCopy.batch_id.is_(None))
                .order_by(SignedCopy.id)
                .limit(self._settings.max_batch)
            ).all()
            if not pending:
                return None
            oldest = min(row.created_at for row in pending)
            due = len(pending) >= self._settings.max_batch or (
                oldest <= self._clock() - self._settings.window
            )
            if not (due or force):
                return None
            tree = MerkleTree([bytes.fromhex(row.leaf_digest) for row in pending])
            batch = AnchorBatch(
                root=tree.root.hex(),
                leaf_count=len(pending),
                state=BatchState.BUILT.value,
                chain_id=self._chain_id_cached(),
            )
            session.add(batch)
            session.flush()
            # ORM bulk UPDATE by primary key; the extra criterion claims only pending copies.
            session.execute(
                update(SignedCopy).where(SignedCopy.batch_id.is_(None)),
                [
                    {"id": row.id, "batch_id": batch.id, "leaf_index": index}
                    for index, row in enumerate(pending)
                ],
                execution_options={"synchronize_session": None},
            )
            claimed = session.scalar(
                select(func.count()).select_from(SignedCopy).where(SignedCopy.batch_id == batch.id)
            )
            if claimed != len(pending):
                raise RuntimeError("pending copies changed under the worker; batch abandoned")
            batch_id = batch.id
        log.info("built batch %s: %s leaves", batch_id, len(pending))
        faults.point("after_build")
        return batch_id

    def _advance(self, batch_id: int) -> int:
        """Take one batch as far as it goes: send if needed, wait, confirm from the chain."""
        with self._sessions() as session:
            batch = session.get_one(AnchorBatch, batch_id)
            state, root, tx_hash = batch.state, bytes.fromhex(batch.root), batch.tx_hash
            leaf_count, attempts = batch.leaf_count, batch.attempts
        if state == BatchState.CONFIRMED:
            return 0
        if tx_hash is None and self._registry.root_info(root) is None:
            # Not sent, or sent by a process that died before recording it and not mined:
            # the root is truly absent, so (re)send. A late duplicate would revert on chain.
            if attempts:
                # An earlier send of this batch vanished (dropped from the pool, or its block
                # reorganised away). The client resynced the nonce when the receipt timed out,
                # but the transaction may have left the pool only after that: re-read the
                # pending nonce now, or this send would sit behind a nonce gap forever.
                self._chain.nonces(self._account.address).resync()
            try:
                sent: bytes | None = self._registry.anchor_root(self._account, root, leaf_count)
            except RegistryError as exc:
                if exc.name != "RootAlreadyAnchored":
                    # A refusal such as NotMemberAccount / MemberNotActive: the batch stays
                    # BUILT (nothing lost); the contract's reason is kept on it and raised.
                    self._record_error(batch_id, f"anchorRoot refused: {exc.name}{exc.args_}")
                    raise
                sent = None  # mined since the lookup above: confirm it from the registry
            if sent is not None:
                faults.point("after_send")
                self._mark_submitted(batch_id, sent)
                tx_hash = "0x" + sent.hex()
        if tx_hash is not None:
            try:
                self._chain.wait_for_receipt(
                    bytes.fromhex(tx_hash.removeprefix("0x")),
                    timeout=self._settings.receipt_timeout,
                    confirmations=self._settings.confirmations,
                )
            except (ReceiptTimeout, TransactionFailed) as exc:
                # Dropped, still pending, or reverted (e.g. a duplicate of a root another
                # send of ours anchored): the chain's registry decides below.
                log.warning("batch %s: %s", batch_id, exc)
        info = self._registry.root_info(root)
        if info is None:
            self._mark_built_again(batch_id, "root not on chain after the send; will resend")
            return 0
        depth = self._chain.block().number - info.block_number
        if depth < self._settings.confirmations:
            return 0  # on chain but not deep enough yet: a reorganisation could still drop it
        faults.point("before_confirm")
        return self._mark_confirmed(batch_id, info)

    # -- bookkeeping -------------------------------------------------------------------------

    def _chain_id_cached(self) -> int:
        if self._chain_id is None:
            self._chain_id = self._chain.chain_id()
        return self._chain_id

    def _mark_submitted(self, batch_id: int, tx_hash: bytes) -> None:
        with self._sessions() as session, session.begin():
            batch = session.get_one(AnchorBatch, batch_id)
            batch.state = BatchState.SUBMITTED.value
            batch.tx_hash = "0x" + tx_hash.hex()
            batch.attempts += 1
            batch.submitted_at = self._clock()

    def _record_error(self, batch_id: int, reason: str) -> None:
        with self._sessions() as session, session.begin():
            session.get_one(AnchorBatch, batch_id).last_error = reason

    def _mark_built_again(self, batch_id: int, reason: str) -> None:
        with self._sessions() as session, session.begin():
            batch = session.get_one(AnchorBatch, batch_id)
            batch.state = BatchState.BUILT.value
            batch.tx_hash = None
            batch.last_error = reason

    def _mark_confirmed(self, batch_id: int, info: RootInfo) -> int:
        with self._sessions() as session, session.begin():
            batch = session.get_one(AnchorBatch, batch_id)
            copies = session.execute(
                select(SignedCopy.id, SignedCopy.leaf_digest)
                .where(SignedCopy.batch_id == batch_id)
                .order_by(SignedCopy.leaf_index)
            ).all()
            tree = MerkleTree([bytes.fromhex(row.leaf_digest) for row in copies])
            if tree.root.hex() != batch.root:
                raise RuntimeError(f"batch {batch_id}: stored leaves do not rebuild its root")
            # Proofs stream out in chunks: a million of them would not fit in memory at once.
            proofs = zip(copies, tree.all_proofs(), strict=True)
            while chunk := list(islice(proofs, _PROOF_CHUNK)):
                session.execute(
                    update(SignedCopy), [{"id": row.id, "proof": proof} for row, proof in chunk]
                )
            batch.state = BatchState.CONFIRMED.value
            batch.block_number = info.block_number
            batch.block_hash = "0x" + self._chain.block(info.block_number).hash.hex()
            batch.block_time = datetime.fromtimestamp(info.timestamp, UTC)
            batch.confirmed_at = self._clock()
            return len(copies)
