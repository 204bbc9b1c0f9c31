"""Opening the node's chain: the client, its anchoring account and the network contracts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.embedded import EmbeddedChainClient
from anchoring.registries import AnchorRegistry, Deployment, NetworkRegistry, StatusRegistry
from anchoring.rpc import Web3ChainClient
from node.credentials.profile import requirement_profile
from node.errors import NodeError, NotInitialised
from node.identity import InstitutionIdentity
from node.ledger.network import deploy_as_genesis, stored_deployment
from node.settings import Settings

EMBEDDED_CHAIN_ID = 1337
# Gas is free on the network's chains; the embedded chain still funds the account so a
# rising base fee can never stop anchoring.
_EMBEDDED_FUNDS = 10**27


class ChainMismatch(NodeError):
    status_code = 503
    code = "chain_mismatch"


# How often the chain head is read at most: registry facts are cached per block, and this
# bounds the extra `eth_getBlockByNumber` traffic that costs.
HEAD_REFRESH_SECONDS = 1.0


class ChainHead:
    """The chain's latest block number, read at most once per ``interval`` seconds.

    Caches of chain facts key on it: a fact read at block N is reused until the head moves.
    Thread-safe; the hot path (a fresh head) takes no lock and makes no call.
    """

    def __init__(
        self,
        chain: ChainClient,
        interval: float = HEAD_REFRESH_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._chain = chain
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: tuple[float, int, int] | None = None  # (when read, number, block time)

    def _latest(self, fresh: bool = False) -> tuple[float, int, int]:
        seen = self._seen
        if not fresh and seen is not None and self._clock() - seen[0] < self._interval:
            return seen
        with self._lock:
            seen = self._seen
            now = self._clock()
            if fresh or seen is None or now - seen[0] >= self._interval:
                block = self._chain.block()
                seen = (now, block.number, block.timestamp)
                self._seen = seen
            return seen

    def number(self) -> int:
        """The latest block number (at most ``interval`` old); raises ChainError."""
        return self._latest()[1]

    def timestamp(self, *, fresh: bool = False) -> int:
        """The latest block's time (at most ``interval`` old; ``fresh``: read now); raises
        ChainError."""
        return self._latest(fresh)[2]


class RegistryWatch:
    """The last block in which NetworkRegistry changed — emitted any event (an admission,
    a vote, a suspension, a key added or retired, …) — up to the chain head.

    Registry facts read at one value of :meth:`epoch` stay true until it moves, so caches key
    on it: a governance change is seen on the next block, and nothing is re-read while the
    registry is quiet. Costs one ``eth_getLogs`` per new head (heads: :class:`ChainHead`).
    A head lower than one already scanned (a dev chain's reorganisation) resets the epoch.
    """

    def __init__(self, chain: ChainClient, address: str, head: ChainHead) -> None:
        self._chain = chain
        self._address = address
        self._head = head
        self._lock = threading.Lock()
        self._state: tuple[int, int] | None = None  # (scanned up to block, epoch)

    def epoch(self) -> int:
        head = self._head.number()
        state = self._state
        if state is not None and state[0] == head:
            return state[1]
        with self._lock:
            state = self._state
            if state is None or head < state[0]:
                state = (head, head)  # nothing cached can predate this
            elif head > state[0]:
                logs = self._chain.logs(self._address, [None], state[0] + 1, head)
                state = (head, max((log.block_number for log in logs), default=state[1]))
            self._state = state
            return state[1]


@dataclass
class Ledger:
    chain: ChainClient
    account: LocalAccount
    deployment: Deployment
    anchors: AnchorRegistry
    network: NetworkRegistry
    statuses: StatusRegistry
    head: ChainHead = field(init=False)  # shared by every cache of this connection
    registry: RegistryWatch = field(init=False)

    def __post_init__(self) -> None:
        self.head = ChainHead(self.chain)
        self.registry = RegistryWatch(self.chain, self.deployment.network_registry, self.head)

    def close(self) -> None:
        self.chain.close()


def open_chain(settings: Settings, account: LocalAccount) -> ChainClient:
    if settings.chain == "embedded":
        return EmbeddedChainClient(
            settings.chain_dir,
            chain_id=EMBEDDED_CHAIN_ID,
            funded={account.address: _EMBEDDED_FUNDS},
        )
    if settings.chain == "rpc":
        if not settings.chain_rpc_url:
            raise NotInitialised("chain = rpc needs CREDREG_CHAIN_RPC_URL")
        return Web3ChainClient(settings.chain_rpc_url, poa=settings.chain_poa)
    raise NotInitialised("anchoring is off (CREDREG_CHAIN=off)")


def _require_contracts(chain: ChainClient, deployment: Deployment) -> None:
    """The recorded contracts must be on the chain: a lost chain folder (the embedded chain
    then starts afresh, same chain id) would otherwise answer every question with nothing."""
    missing = [
        name
        for name, address in (
            ("NetworkRegistry", deployment.network_registry),
            ("AnchorRegistry", deployment.anchor_registry),
            ("StatusRegistry", deployment.status_registry),
        )
        if not chain.code(address)
    ]
    if missing:
        raise ChainMismatch(
            f"the network contracts ({', '.join(missing)}) are not on the configured chain "
            f"{deployment.chain_id}: its data was lost, or it is another chain"
        )


def open_ledger(
    settings: Settings,
    sessions: sessionmaker[Session],
    identity: InstitutionIdentity,
    account: LocalAccount,
) -> Ledger:
    """Connect to the chain; on the embedded chain, deploy the contracts on first use."""
    chain = open_chain(settings, account)
    try:
        deployment = stored_deployment(sessions)
        if deployment is None:
            if settings.chain != "embedded":
                raise NotInitialised(
                    "no network contracts recorded: run `credreg chain deploy` (new network) first"
                )
            deployment = deploy_as_genesis(
                sessions,
                chain,
                identity,
                account,
                requirement_profile(settings.profile).allowed_eqf_levels,
            )
        if deployment.chain_id != chain.chain_id():
            raise ChainMismatch(
                f"the recorded contracts are on chain {deployment.chain_id}, but the "
                f"configured chain is {chain.chain_id()}"
            )
        _require_contracts(chain, deployment)
    except BaseException:
        chain.close()
        raise
    return Ledger(
        chain=chain,
        account=account,
        deployment=deployment,
        anchors=AnchorRegistry(chain, deployment.anchor_registry),
        network=NetworkRegistry(chain, deployment.network_registry),
        statuses=StatusRegistry(chain, deployment.status_registry),
    )
