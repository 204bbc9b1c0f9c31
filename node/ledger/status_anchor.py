"""Anchoring status list versions: the SHA-256 of each signed version in StatusRegistry.

Versions are published in order (the contract numbers them 1, 2, … as ours are); the block
time of a version's anchor is that version's time, which is what "was it valid on date X?"
is answered against. Crash-safe like the credential batches: before any (re)send the chain
is asked whether the version is already there.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.errors import ReceiptTimeout, TransactionFailed
from anchoring.registries import StatusRegistry
from node import faults
from node.db.models import StatusList, StatusListVersion
from node.status.entries import status_list_url

log = logging.getLogger(__name__)


def chain_list_id(url: str) -> bytes:
    """The StatusRegistry key of a list: SHA-256 of its URL (verifiers derive it the same
    way from a credential's ``statusListCredential``)."""
    return hashlib.sha256(url.encode("utf-8")).digest()


class StatusAnchorer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: ChainClient,
        registry: StatusRegistry,
        account: LocalAccount,
        origin: str,
        *,
        receipt_timeout: float = 60.0,
    ) -> None:
        self._sessions = sessions
        self._chain = chain
        self._registry = registry
        self._account = account
        self._origin = origin
        self._timeout = receipt_timeout

    def run_once(self) -> int:
        """Anchor every unconfirmed version of this institution's lists; returns the count."""
        with self._sessions() as session:
            pending = session.execute(
                select(StatusListVersion.list_id, StatusListVersion.version)
                .join(StatusList, StatusList.id == StatusListVersion.list_id)
                .where(StatusList.owner == "institution")
                .where(StatusListVersion.state != "confirmed")
                .order_by(StatusListVersion.list_id, StatusListVersion.version)
            ).all()
        done = 0
        blocked: set[int] = set()
        for list_id, version in pending:
            if list_id in blocked:
                continue  # an earlier version of this list is not on chain yet: keep order
            if self._anchor(list_id, version):
                done += 1
            else:
                blocked.add(list_id)
        return done

    def _anchor(self, list_id: int, version: int) -> bool:
        with self._sessions() as session:
            row = session.get_one(StatusListVersion, (list_id, version))
            digest, tx_hash = bytes.fromhex(row.sha256), row.tx_hash
        key = chain_list_id(status_list_url(self._origin, list_id))
        latest = self._registry.latest_version(key)
        if latest < version - 1:
            return False
        if latest < version:
            if tx_hash is not None:
                self._chain.nonces(self._account.address).resync()
            sent = self._registry.publish_version(self._account, key, digest)
            faults.point("status_after_send")
            tx_hash = "0x" + sent.hex()
            with self._sessions() as session, session.begin():
                stored = session.get_one(StatusListVersion, (list_id, version))
                stored.state, stored.tx_hash = "submitted", tx_hash
            try:
                self._chain.wait_for_receipt(sent, timeout=self._timeout)
            except (ReceiptTimeout, TransactionFailed) as exc:
                log.warning("status list %s v%s: %s", list_id, version, exc)
        if self._registry.latest_version(key) < version:
            return False
        on_chain, published = self._registry.version(key, version)
        if on_chain != digest:
            log.error("status list %s v%s: the chain holds another hash", list_id, version)
            return False
        with self._sessions() as session, session.begin():
            stored = session.get_one(StatusListVersion, (list_id, version))
            stored.state = "confirmed"
            stored.block_time = datetime.fromtimestamp(published, UTC)
        return True
