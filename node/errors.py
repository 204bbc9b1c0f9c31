"""The node's error hierarchy; :mod:`node.api.errors` maps it to HTTP in one place.

NodeError
├── NotFound                  404  an entity that does not exist
├── Unauthorized              401  missing or unknown bearer token
├── Forbidden                 403  token lacks the role
├── Conflict                  409  state does not allow the operation
├── InvalidInput              422  input that breaks a rule; carries problems by element
├── NotInitialised            503  the institution has not been created (credreg init)
└── StorageUnavailable        503  the data folder is read-only or unusable
    └── StorageFull           503  a write failed for lack of disk space
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an input was refused, naming the element (JSON name) it concerns."""

    element: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"element": self.element, "reason": self.reason}


class NodeError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFound(NodeError):
    status_code = 404
    code = "not_found"


class Unauthorized(NodeError):
    status_code = 401
    code = "unauthorized"


class Forbidden(NodeError):
    status_code = 403
    code = "forbidden"


class Conflict(NodeError):
    status_code = 409
    code = "conflict"


class InvalidInput(NodeError):
    status_code = 422
    code = "invalid_input"


class NotInitialised(NodeError):
    status_code = 503
    code = "not_initialised"


class StorageUnavailable(NodeError):
    status_code = 503
    code = "storage_unavailable"


class StorageFull(StorageUnavailable):
    code = "storage_full"
