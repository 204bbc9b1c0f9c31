"""Migration 0012 on a database with records: each institution revocation list gets its
message list, each record its entry there (its revocation index), the VC API's none; the
first version the node then publishes shows every record's state (SQLite, PostgreSQL)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.db.engine import alembic_config, make_engine, session_factory
from node.db.models import CredentialRecord, StatusList
from node.status.bitstring import Bitstring
from node.status.service import StatusService
from vc.did import did_key_for
from vc.signer import Ed25519Signer

_LISTS = [  # key (ids come from the database), owner, purpose
    (1, "institution", "revocation"),
    (2, "institution", "suspension"),
    (3, "vcapi", "revocation"),
    (4, "vcapi", "suspension"),
]
_RECORDS = [  # id, state, revocation list, index, suspension list, index
    ("r-issued", "issued", 1, 10, 2, 70),
    ("r-revoked", "revoked", 1, 11, 2, 71),
    ("r-suspended", "suspended", 1, 12, 2, 72),
    ("r-vcapi", "revoked", 3, 13, 4, 73),
    ("r-prepared", "prepared", None, None, None, None),
]


def test_earlier_records_get_their_message_entries(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    config = alembic_config(engine)
    try:
        command.upgrade(config, "0008")
        ids: dict[int | None, int | None] = {None: None}
        with engine.begin() as connection:
            for key, owner, purpose in _LISTS:
                connection.execute(
                    sa.text(
                        "INSERT INTO status_list (owner, purpose, size, allocated, changed,"
                        " created_at) VALUES (:owner, :purpose, 131072, 3, false,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"owner": owner, "purpose": purpose},
                )
                ids[key] = connection.scalar(sa.text("SELECT max(id) FROM status_list"))
            for record_id, state, rev, rev_index, sus, sus_index in _RECORDS:
                connection.execute(
                    sa.text(
                        "INSERT INTO credential_record (id, state, claims, created_at,"
                        " revocation_list_id, revocation_index, suspension_list_id,"
                        " suspension_index) VALUES (:id, :state, :claims, CURRENT_TIMESTAMP,"
                        " :rev, :rev_index, :sus, :sus_index)"
                    ),
                    {
                        "id": record_id,
                        "state": state,
                        "claims": json.dumps({}),
                        "rev": ids[rev],
                        "rev_index": rev_index,
                        "sus": ids[sus],
                        "sus_index": sus_index,
                    },
                )
        command.upgrade(config, "head")
        sessions = session_factory(engine)
        with sessions() as session:
            messages = session.scalars(
                sa.select(StatusList).where(StatusList.purpose == "message")
            ).all()
            assert [(m.owner, m.source_list_id, m.size) for m in messages] == [
                ("institution", ids[1], 131072)
            ]
            message_id = messages[0].id
            entries = {
                r.id: (r.message_list_id, r.message_index)
                for r in session.scalars(sa.select(CredentialRecord))
            }
        assert entries == {
            "r-issued": (message_id, 10),
            "r-revoked": (message_id, 11),
            "r-suspended": (message_id, 12),
            "r-vcapi": (None, None),
            "r-prepared": (None, None),
        }
        key = Ed25519PrivateKey.generate()
        did, vm = did_key_for(key.public_key())
        service = StatusService(sessions, Ed25519Signer(vm, key), did, "https://n.example")
        published = service.version(message_id)  # the first version, on demand
        subject = json.loads(published.content)["credentialSubject"]
        assert subject["statusPurpose"] == "message" and subject["statusSize"] == 2
        bits = Bitstring.decode(subject["encodedList"])
        assert [bits.value(i, 2) for i in (10, 11, 12, 13)] == [0, 1, 2, 0]
    finally:
        engine.dispose()
