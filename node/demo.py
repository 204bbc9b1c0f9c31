"""The demo node (``credreg demo``): a demo institution with sample credentials on first
start, and what a newcomer needs to try it — every URL, the record ids, an issuer token and
one signed credential in a file, to paste or upload at ``/verify``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from node.catalogue.samples import SAMPLES
from node.credentials.examples import example_claims
from node.credentials.vocab import LegalStatus
from node.db.models import CredentialFormat, CredentialRecord, Role, SignedCopy, StaffRole
from node.issuance.service import IssueRequest
from node.runtime import NodeRuntime
from node.setup import create_institution
from node.tokens import create_token

SAMPLE_FILE = "sample-credential.json"
STAFF_PASSWORD = "demo-staff-password"  # demo only, printed
PAGES = (
    ("landing page", "/"),
    ("verify page", "/verify"),
    ("learner portal", "/learner"),
    ("staff console", "/console"),
    ("catalogue (JSON)", "/api/catalogue"),
    ("API docs", "/docs"),
    ("DID document", "/.well-known/did.json"),
    ("issuer metadata", "/.well-known/openid-credential-issuer"),
)


@dataclass(frozen=True)
class Demo:
    created: bool  # the institution and its sample credentials were made just now
    record_ids: list[str]
    sample: Path | None  # a signed credential (eddsa-rdfc-2022), None without any
    token: str
    staff: list[tuple[str, str]]  # (user name, role): one account per role
    staff_password: str

    def urls(self, origin: str) -> list[tuple[str, str]]:
        return [(name, f"{origin}{path}") for name, path in PAGES]


def prepare(runtime: NodeRuntime, credentials: int) -> Demo:
    """Create the demo institution and ``credentials`` sample credentials unless they exist;
    (re)write the sample file; make a fresh issuer token."""
    settings = runtime.settings
    created = not settings.key_dir.is_dir()
    if created:
        create_institution(
            runtime.sessions,
            runtime.keystore,
            name="Demo University",
            country="FI",
            legal_status=LegalStatus.PUBLIC_INSTITUTION,
            origin=settings.origin,
        )
        requests = [
            IssueRequest(example_claims(i), idempotency_key=f"demo-{i}") for i in range(credentials)
        ]
        for _ in runtime.issuance().issue_batch(requests, list(CredentialFormat), None):
            pass
        catalogue = runtime.catalogue()
        for content in SAMPLES:  # one entry per network language, published
            catalogue.publish(catalogue.create(content).id)
    with runtime.sessions() as session:
        record_ids = list(
            session.scalars(
                select(CredentialRecord.id).order_by(
                    CredentialRecord.created_at, CredentialRecord.id
                )
            )
        )
        first = None
        if record_ids:
            first = session.scalar(
                select(SignedCopy.content).where(
                    SignedCopy.record_id == record_ids[0],
                    SignedCopy.format == CredentialFormat.LDP_RDFC,
                )
            )
        token = create_token(session, Role.ISSUER, "demo")
        session.commit()
    sample = None
    if first is not None:
        sample = (settings.data_dir / SAMPLE_FILE).resolve()
        sample.write_text(
            json.dumps(json.loads(first), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return Demo(created, record_ids, sample, token, demo_staff(runtime), STAFF_PASSWORD)


def demo_staff(runtime: NodeRuntime) -> list[tuple[str, str]]:
    """One staff account per role (``demo-<role>``), made once."""
    accounts = runtime.staff().accounts
    existing = {info.username for info in accounts.all()}
    made = []
    for role in StaffRole:
        username = f"demo-{role.value.replace('_', '-')}"
        if username not in existing:
            name = f"Demo {role.value.replace('_', ' ').title()}"
            accounts.create(username, name, [role], password=STAFF_PASSWORD)
        made.append((username, role.value))
    return made
