"""The token and nonce endpoints: a pre-authorized code (+ its PIN, counted) or an
authorization code (node/wallet/authorization.py) for an access token; single-use nonces for
the holder's key proofs. Every secret is stored as a hash; single use is enforced with
conditional UPDATEs, atomic on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import WalletAccessToken, WalletNonce, WalletOffer
from node.wallet.authorization import AuthorizationService
from node.wallet.issuer import Answer, WalletIssuer
from wallet_bridge.authorization import AUTHORIZATION_CODE_GRANT
from wallet_bridge.errors import InvalidGrant, InvalidRequest, InvalidToken
from wallet_bridge.offer import new_secret, same_secret, secret_hash, tx_code_hash
from wallet_bridge.requests import nonce_response, parse_token_request, token_response


class WalletTokens:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        issuer: WalletIssuer,
        authorizations: AuthorizationService,
    ) -> None:
        self._sessions = sessions
        self._settings = issuer.settings
        self._authorizations = authorizations

    # -- token endpoint --------------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> Answer:
        if form.get("grant_type") == AUTHORIZATION_CODE_GRANT:
            return Answer(200, self._authorizations.token(form))
        settings = self._settings
        request = parse_token_request(form)
        now = datetime.now(UTC)
        with self._sessions() as session:
            offer = session.scalar(
                select(WalletOffer).where(WalletOffer.code_hash == secret_hash(request.code))
            )
            if offer is None or offer.redeemed_at is not None or offer.expires_at < now:
                # One answer for unknown, used and expired codes (RFC 6749 §5.2).
                raise InvalidGrant("the pre-authorized code is invalid, expired or already used")
            if offer.tx_code_hash is not None:
                if request.tx_code is None:
                    raise InvalidRequest("this offer needs its tx_code")
                # Count the attempt first and commit it, so parallel guesses all count.
                counted = session.execute(
                    update(WalletOffer)
                    .where(
                        WalletOffer.id == offer.id,
                        WalletOffer.tx_code_attempts < settings.tx_code_attempts,
                    )
                    .values(tx_code_attempts=WalletOffer.tx_code_attempts + 1)
                )
                session.commit()
                if counted.rowcount != 1:  # type: ignore[attr-defined]
                    raise InvalidGrant("too many wrong tx_code attempts; ask for a new offer")
                if not same_secret(tx_code_hash(offer.id, request.tx_code), offer.tx_code_hash):
                    raise InvalidGrant("the tx_code is wrong")
            elif request.tx_code is not None:
                raise InvalidRequest("this offer has no tx_code")
            redeemed = session.execute(
                update(WalletOffer)
                .where(WalletOffer.id == offer.id, WalletOffer.redeemed_at.is_(None))
                .values(redeemed_at=now)
            )
            if redeemed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise InvalidGrant("the pre-authorized code is invalid, expired or already used")
            access_token = new_secret()
            session.add(
                WalletAccessToken(
                    offer_id=offer.id,
                    record_id=offer.record_id,
                    token_hash=secret_hash(access_token),
                    expires_at=now + settings.access_token_ttl,
                )
            )
            c_nonce = self.new_nonce(session, now)
            session.commit()
        return Answer(
            200,
            token_response(
                access_token,
                int(settings.access_token_ttl.total_seconds()),
                c_nonce,
                int(settings.nonce_ttl.total_seconds()),
            ),
        )

    @staticmethod
    def access_token(session: Session, access_token: str | None) -> WalletAccessToken:
        """The access token a wallet presents (expiry is the caller's to judge)."""
        if not access_token:
            raise InvalidToken("a bearer access token from the token endpoint is required")
        token = session.scalar(
            select(WalletAccessToken).where(
                WalletAccessToken.token_hash == secret_hash(access_token)
            )
        )
        if token is None:
            raise InvalidToken("unknown access token")
        return token

    # -- nonce endpoint --------------------------------------------------------------------

    def nonce(self) -> Answer:
        with self._sessions() as session:
            value = self.new_nonce(session, datetime.now(UTC))
            session.commit()
        return Answer(200, nonce_response(value))

    def new_nonce(self, session: Session, now: datetime) -> str:
        value = new_secret()
        session.add(
            WalletNonce(nonce_hash=secret_hash(value), expires_at=now + self._settings.nonce_ttl)
        )
        return value


class DbNonces:
    """:class:`wallet_bridge.proof.NonceStore` over ``wallet_nonce``: one conditional UPDATE."""

    def __init__(self, session: Session, now: datetime) -> None:
        self._session = session
        self._now = now

    def consume(self, nonce: str) -> bool:
        result = self._session.execute(
            update(WalletNonce)
            .where(
                WalletNonce.nonce_hash == secret_hash(nonce),
                WalletNonce.used_at.is_(None),
                WalletNonce.expires_at >= self._now,
            )
            .values(used_at=self._now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
