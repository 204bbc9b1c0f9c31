"""What the console's dashboard tells about anchoring: the copies still waiting for a batch,
the batches sent but not confirmed (and the last error of one), the last confirmed batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import AnchorBatch, BatchState, SignedCopy


@dataclass(frozen=True)
class LastBatch:
    id: int
    leaf_count: int
    block_number: int | None
    tx_hash: str | None
    confirmed_at: datetime | None


@dataclass(frozen=True)
class AnchoringSummary:
    pending_copies: int  # in no batch yet
    open_batches: int  # built or sent, not confirmed
    last_error: str | None  # of an open batch
    last_batch: LastBatch | None  # the newest confirmed


def anchoring_summary(sessions: sessionmaker[Session]) -> AnchoringSummary:
    with sessions() as session:
        pending = session.scalar(
            select(func.count()).select_from(SignedCopy).where(SignedCopy.batch_id.is_(None))
        )
        unconfirmed = AnchorBatch.state != BatchState.CONFIRMED.value
        open_batches = session.scalar(
            select(func.count()).select_from(AnchorBatch).where(unconfirmed)
        )
        last_error = session.scalar(
            select(AnchorBatch.last_error)
            .where(unconfirmed, AnchorBatch.last_error.is_not(None))
            .order_by(AnchorBatch.id.desc())
            .limit(1)
        )
        last = session.scalar(
            select(AnchorBatch)
            .where(AnchorBatch.state == BatchState.CONFIRMED.value)
            .order_by(AnchorBatch.id.desc())
            .limit(1)
        )
        return AnchoringSummary(
            pending or 0,
            open_batches or 0,
            last_error,
            None
            if last is None
            else LastBatch(
                last.id, last.leaf_count, last.block_number, last.tx_hash, last.confirmed_at
            ),
        )
