"""Opening the node's chain: the client, its anchoring account and the network contracts."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.embedded import EmbeddedChainClient
from anchoring.registries import AnchorRegistry, Deployment, NetworkRegistry, StatusRegistry
from anchoring.rpc import Web3ChainClient
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


@dataclass
class Ledger:
    chain: ChainClient
    account: LocalAccount
    deployment: Deployment
    anchors: AnchorRegistry
    network: NetworkRegistry
    statuses: StatusRegistry

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
                sessions, chain, identity, account, settings.profile.allowed_eqf_levels
            )
        if deployment.chain_id != chain.chain_id():
            raise ChainMismatch(
                f"the recorded contracts are on chain {deployment.chain_id}, but the "
                f"configured chain is {chain.chain_id()}"
            )
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
