"""This node's place on the chain: its anchoring account and the network's contracts."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import Deployment, MemberSpec, deploy_network
from node.db.models import ChainDeployment, Institution
from node.errors import Conflict, NotInitialised
from node.identity import InstitutionIdentity
from node.keys.keystore import PrivateKey
from vc.multikey import public_key_to_multibase


def anchoring_account(key: PrivateKey) -> LocalAccount:
    """The Ethereum account of the anchoring key (secp256k1) from the key store."""
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256K1):
        raise TypeError("the anchoring key must be a secp256k1 key")
    secret = key.private_numbers().private_value.to_bytes(32, "big")
    account: LocalAccount = Account.from_key(secret)
    return account


def genesis_spec(
    identity: InstitutionIdentity,
    institution: Institution,
    account: str,
    eqf_levels: frozenset[int],
) -> MemberSpec:
    """This institution as a network member: DID, keys (Multikey, fragment ids), account."""
    keys = [
        (vm.split("#", 1)[1], public_key_to_multibase(key), 0, 0)
        for vm, key in ((identity.ed25519_vm, identity.ed25519), (identity.p256_vm, identity.p256))
    ]
    return MemberSpec(
        did=identity.did,
        service_endpoint=identity.origin,
        qa_type=institution.qa_type,
        deqar_id=institution.deqar_id,
        eqf_levels=eqf_levels,
        keys=keys,
        accounts=[account],
    )


def stored_deployment(sessions: sessionmaker[Session]) -> Deployment | None:
    with sessions() as session:
        row = session.scalar(select(ChainDeployment))
    if row is None:
        return None
    return Deployment(
        chain_id=row.chain_id,
        network_registry=row.network_registry,
        anchor_registry=row.anchor_registry,
        status_registry=row.status_registry,
        block_number=row.block_number,
    )


def store_deployment(sessions: sessionmaker[Session], deployment: Deployment) -> None:
    with sessions() as session, session.begin():
        if session.scalar(select(ChainDeployment)) is not None:
            raise Conflict("this node already has its network contracts recorded")
        session.add(
            ChainDeployment(
                chain_id=deployment.chain_id,
                network_registry=deployment.network_registry,
                anchor_registry=deployment.anchor_registry,
                status_registry=deployment.status_registry,
                block_number=deployment.block_number,
            )
        )


def deploy_as_genesis(
    sessions: sessionmaker[Session],
    chain: ChainClient,
    identity: InstitutionIdentity,
    account: LocalAccount,
    eqf_levels: frozenset[int],
    genesis: list[MemberSpec] | None = None,
) -> Deployment:
    """Deploy the network's contracts with this institution (and ``genesis``) as members."""
    if stored_deployment(sessions) is not None:
        raise Conflict("the network contracts are already deployed for this node")
    with sessions() as session:
        institution = session.scalar(select(Institution))
    if institution is None:
        raise NotInitialised("no institution yet: run `credreg init` first")
    own = genesis_spec(identity, institution, account.address, eqf_levels)
    deployment = deploy_network(chain, account, [own, *(genesis or [])])
    store_deployment(sessions, deployment)
    return deployment
