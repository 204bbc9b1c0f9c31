"""The credential and deferred credential endpoints: the wallet's key proofs checked, one
holder-bound copy per key signed and stored as ``signed_copy`` rows of the record (so the
anchor worker picks them up), or a deferred transaction while the record awaits approval."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialFormat, CredentialRecord, WalletDeferred
from node.issuance.records import CredentialRecords, status_of
from node.issuance.signing import CredentialSigner, SigningJob
from node.wallet.authorization import granted_configurations
from node.wallet.issuer import FORMATS, Answer, WalletIssuer
from node.wallet.tokens import DbNonces, WalletTokens
from wallet_bridge.errors import CredentialRequestDenied, InvalidToken, InvalidTransactionId
from wallet_bridge.offer import new_secret, secret_hash
from wallet_bridge.proof import HolderKey, verify_proofs
from wallet_bridge.requests import (
    credential_response,
    deferred_response,
    parse_credential_request,
    parse_deferred_request,
)

_COMPACT_FORMATS = (CredentialFormat.JWT_VC_JSON, CredentialFormat.SD_JWT_VC)


class WalletCredentials:
    """Signs with the runtime's :class:`CredentialSigner` (rebuilt after a key rotation)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        issuer: WalletIssuer,
        signer: CredentialSigner,
        records: CredentialRecords,
    ) -> None:
        self._sessions = sessions
        self._issuer = issuer
        self._signer = signer
        self._records = records

    def credential(self, access_token: str | None, body: Any) -> Answer:
        issuer = self._issuer
        settings = issuer.settings
        now = datetime.now(UTC)
        with self._sessions() as session:
            token = WalletTokens.access_token(session, access_token)
            if token.expires_at < now:
                raise InvalidToken("the access token has expired")
            request = parse_credential_request(
                body, issuer.configurations, batch_size=settings.batch_size
            )
            if request.configuration.id not in granted_configurations(session, token):
                raise CredentialRequestDenied(
                    f"{request.configuration.id} was not offered with this access token"
                )
            holders = verify_proofs(
                request.proof_jwts,
                audience=issuer.endpoints.credential_issuer,
                now=int(now.timestamp()),
                max_age_seconds=int(settings.proof_max_age.total_seconds()),
                nonces=DbNonces(session, now),
            )
            session.commit()  # the nonce is spent, whatever happens next
            record = session.get(CredentialRecord, token.record_id, with_for_update=True)
            assert record is not None
            if not issuer.deliverable(record):
                transaction_id = new_secret()
                session.add(
                    WalletDeferred(
                        transaction_hash=secret_hash(transaction_id),
                        token_id=token.id,
                        record_id=record.id,
                        configuration_id=request.configuration.id,
                        holder_ids=[h.did for h in holders],
                        expires_at=now + settings.deferred_ttl,
                    )
                )
                session.commit()
                return Answer(
                    202, deferred_response(transaction_id, settings.deferred_interval_seconds)
                )
            self._records.give_status(session, record)  # before this transaction writes (SQLite)
            credentials = self._issue(session, record, request.configuration.id, holders, now)
            session.commit()
        return Answer(200, credential_response(credentials))

    def deferred_credential(self, access_token: str | None, body: Any) -> Answer:
        interval = self._issuer.settings.deferred_interval_seconds
        now = datetime.now(UTC)
        with self._sessions() as session:
            # The wallet keeps its access token for the deferred endpoint (§9.1); it stays
            # good here as long as the transaction does, whatever its own lifetime.
            token = WalletTokens.access_token(session, access_token)
            transaction_id = parse_deferred_request(body)
            deferred = session.scalar(
                select(WalletDeferred).where(
                    WalletDeferred.transaction_hash == secret_hash(transaction_id),
                    WalletDeferred.token_id == token.id,
                )
            )
            if deferred is None or deferred.delivered_at is not None or deferred.expires_at < now:
                raise InvalidTransactionId("unknown, expired or already answered transaction_id")
            record = session.get(CredentialRecord, deferred.record_id, with_for_update=True)
            assert record is not None
            if not self._issuer.deliverable(record):
                return Answer(202, deferred_response(transaction_id, interval))
            self._records.give_status(session, record)  # before this transaction writes (SQLite)
            claimed = session.execute(
                update(WalletDeferred)
                .where(WalletDeferred.id == deferred.id, WalletDeferred.delivered_at.is_(None))
                .values(delivered_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise InvalidTransactionId("unknown, expired or already answered transaction_id")
            holders = [HolderKey(did=did, key_id="", nonce="") for did in deferred.holder_ids]
            credentials = self._issue(session, record, deferred.configuration_id, holders, now)
            session.commit()
        return Answer(200, credential_response(credentials))

    def _issue(
        self,
        session: Session,
        record: CredentialRecord,
        configuration_id: str,
        holders: Sequence[HolderKey],
        now: datetime,
    ) -> list[str | dict[str, Any]]:
        """One holder-bound copy per key, stored as ``signed_copy`` rows of the record. Every
        copy carries the record's one revocation and one suspension entry (SD-JWT VC: the
        Token Status List view of the same bits)."""
        fmt = FORMATS[configuration_id]
        self._records.mark_issued(record, now.replace(microsecond=0))
        issued_at = record.issued_at or now.replace(microsecond=0)
        status = status_of(record)
        out: list[str | dict[str, Any]] = []
        for holder in holders:
            job = SigningJob(record.id, record.claims, holder.did, issued_at, (fmt,), status)
            (copy,) = self._signer.sign(job)
            self._records.add_copy_once(session, record.id, copy)
            out.append(copy.content if fmt in _COMPACT_FORMATS else json.loads(copy.content))
        return out
