"""The domain's enums: roles, record and batch states, signed formats (no ORM, no I/O).

The tables in :mod:`node.db.models` store these values; code that only needs the values
(signing, checks) imports them from here, not from the ORM module.
"""

from __future__ import annotations

import enum

__all__ = ["BatchState", "CredentialFormat", "RecordState", "Role", "StaffRole"]


class Role(enum.StrEnum):
    ISSUER = "issuer"
    ADMIN = "admin"
    VC_API = "vcapi"


class StaffRole(enum.StrEnum):
    """The people who run a node (DOMAIN.md, DP 4.2); one account may hold several roles."""

    TEACHER = "teacher"  # prepares records of their course
    COMMITTEE = "committee"  # programme committee: learning outcomes, level
    STUDY_DEPARTMENT = "study_department"  # the learner's data
    MANAGEMENT = "management"  # seals (signs) the credential
    REGISTRAR = "registrar"  # runs the registry: offers, revocation, CSV imports
    ADMINISTRATOR = "administrator"  # accounts, tokens, the node's settings


class RecordState(enum.StrEnum):
    PREPARED = "prepared"
    RETURNED = "returned"  # an approval stage sent it back with a reason (the chain restarts)
    APPROVED = "approved"
    ISSUED = "issued"
    SUSPENDED = "suspended"  # reversible: reinstating makes it issued again
    REVOKED = "revoked"  # final


class CredentialFormat(enum.StrEnum):
    """Signed forms of a record (format identifiers of OpenID4VCI 1.0 where one exists)."""

    LDP_RDFC = "ldp_vc+eddsa-rdfc-2022"
    LDP_JCS = "ldp_vc+eddsa-jcs-2022"
    JWT_VC_JSON = "jwt_vc_json"
    SD_JWT_VC = "dc+sd-jwt"  # SD-JWT VC, holder-bound copies for wallets (OpenID4VCI)


class BatchState(enum.StrEnum):
    """Anchor batch life cycle (docs/architecture.md): committed BUILT before any send."""

    BUILT = "built"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
