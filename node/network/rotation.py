"""Rotating the institution's Ed25519 signing key.

1. ``prepare``: a new key ``ed25519-N`` in the key store, proposed on chain for this member
   (valid from the latest block's time). Other members vote; the sole active member of a
   network (e.g. the embedded chain) decides alone, so there it passes at once.
2. ``activate``: once the chain lists the key as valid, issuance and status lists switch to
   it; the DID document keeps the earlier keys.
   Every status list is re-signed with the new key at once (a new version each).
3. ``retire``: the old key is retired on chain (self-service, no vote) at a time after every
   credential and status list version it signed has been anchored — the verifier judges a
   key at the anchor's block time, so an old credential still verifies and one signed with
   the old key but anchored after the retirement fails.

:class:`KeyRotation` is built by the runtime (node/runtime.py), which it asks, through
``switched``, to rebuild everything that signs once a new key is in use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from anchoring.registries import KeyInfo, ProposalState, RegistryError
from node.db.models import StatusList
from node.errors import Conflict, InvalidInput, NotFound, Problem
from node.keys.keystore import KeyKind, KeyStore
from node.ledger.connection import Ledger
from node.network.governance import Governance, Outcome, refusals
from node.network.keys import active_key_id, key_ids, key_name, next_key_id, set_active_key_id
from node.status.service import StatusService
from vc.multikey import public_key_to_multibase


@dataclass(frozen=True)
class Rotation:
    key_id: str
    public_key_multibase: str
    outcome: Outcome | None
    active: bool


@dataclass(frozen=True)
class KeyRotation:
    """Prepare, activate and retire the institution's signing keys."""

    keystore: Callable[[], KeyStore]  # opened on first use, as the chain
    data_dir: Path  # where the key in use is recorded (node/network/keys.py)
    ledger: Callable[[], Ledger]
    governance: Governance
    sessions: sessionmaker[Session]
    status: Callable[[], StatusService]  # asked after a switch: signs with the new key
    switched: Callable[[], None]  # rebuild what signs with the old key (reload_identity)

    def _chain_key(self, key_id: str) -> KeyInfo | None:
        member = self.governance.own_member()
        if member == 0:
            raise Conflict("this node is not a member of the network")
        with refusals():
            try:
                return self.ledger().network.key(member, key_id)
            except RegistryError as exc:
                if exc.name == "UnknownKey":
                    return None
                raise

    def prepare(self) -> Rotation:
        """Create the next key (or reuse one created but never registered) and propose it;
        when the proposal passes at once (sole active member), switch to it."""
        keystore = self.keystore()
        current = active_key_id(self.data_dir)
        existing = key_ids(keystore)
        newest = existing[-1]
        if newest != current and self._chain_key(newest) is None:
            key_id = newest  # created earlier, its proposal failed or was never sent
        else:
            key_id = next_key_id(keystore)
            keystore.create(key_name(key_id), KeyKind.ED25519)
        multibase = public_key_to_multibase(keystore.public_key(key_name(key_id)))
        if self._chain_key(key_id) is not None:
            return Rotation(key_id, multibase, None, self.activate(key_id))
        outcome = self.governance.propose_key_addition(key_id, multibase)
        passed = outcome.proposal is not None and outcome.proposal.state is ProposalState.EXECUTED
        active = self.activate(key_id) if passed else False
        return Rotation(key_id, multibase, outcome, active)

    def activate(self, key_id: str) -> bool:
        """Sign with ``key_id`` from now on, once the chain lists it as valid now."""
        try:
            name = key_name(key_id)
        except ValueError as exc:
            raise InvalidInput(str(exc), [Problem("keyId", "not an ed25519-N key id")]) from exc
        if not self.keystore().exists(name):
            raise NotFound(f"the key store has no key {key_id}")
        key = self._chain_key(key_id)
        if key is None:
            raise Conflict(f"the network registry does not list {key_id} yet (awaiting votes?)")
        with refusals():
            now = self.ledger().chain.block().timestamp
        if not key.valid_from <= now < key.valid_until:
            raise Conflict(f"{key_id} is not valid on chain now")
        expected = public_key_to_multibase(self.keystore().public_key(name))
        if key.public_key_multibase != expected:
            raise Conflict(f"the chain's {key_id} is not this node's key")
        set_active_key_id(self.data_dir, key_id)
        self.switched()
        self.resign_status_lists()
        return True

    def resign_status_lists(self) -> int:
        """Publish a new version of each of the institution's status lists, signed with the
        key now in use: once the anchor service has anchored them, the old key can be retired
        without leaving a list whose latest version verifiers can no longer check."""
        with self.sessions() as session, session.begin():
            session.execute(
                update(StatusList).where(StatusList.owner == "institution").values(changed=True)
            )
        return len(self.status().publish_changed())

    def retire(self, key_id: str, retired_at: int | None = None) -> Outcome:
        """Retire one of this institution's keys on chain (not the one in use)."""
        if key_id == active_key_id(self.data_dir):
            raise Conflict(f"{key_id} is the key in use: rotate to a new key first")
        return self.governance.retire_own_key(key_id, retired_at)
