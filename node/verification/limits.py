"""Bounds on the work one verification may cost, checked before any expensive step.

A credential's cost grows with what it carries: every Data Integrity proof canonicalises the
document again, every credential of a presentation runs the whole pipeline, every SD-JWT
disclosure is hashed and decoded, and JSON-LD expansion and RDF canonicalisation grow with
the document's size. An input over a limit is refused before any of that runs
(:class:`~vc.errors.LimitExceeded`, a 422 naming the limit and its setting); one within
the limits also has a deadline (:class:`Deadline`), checked between the steps.

The node issues one proof per credential; proof sets and chains of a few are accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from node.errors import NodeError
from node.settings import Settings
from vc.errors import LimitExceeded


class VerificationTimeout(NodeError):
    """The verification did not finish within its deadline (the node is busy, or the input
    is as costly as the limits allow)."""

    status_code = 503
    code = "verification_timeout"


@dataclass(frozen=True)
class VerifyLimits:
    max_proofs: int = 4  # Data Integrity proofs per credential or presentation
    max_credentials: int = 10  # credentials per presentation
    max_disclosures: int = 64  # disclosures per SD-JWT
    max_depth: int = 24  # nesting of JSON objects and arrays per document
    # JSON values (objects, arrays, strings, numbers, …) per input: the node's credentials
    # have 100–200, a presentation of ten of them fewer than 2,000
    max_values: int = 2000
    deadline_seconds: float = 10.0  # per verification request

    @classmethod
    def from_settings(cls, settings: Settings) -> VerifyLimits:
        return cls(
            max_proofs=settings.verify_max_proofs,
            max_credentials=settings.verify_max_credentials,
            max_disclosures=settings.verify_max_disclosures,
            max_depth=settings.verify_max_depth,
            max_values=settings.verify_max_values,
            deadline_seconds=settings.verify_deadline_seconds,
        )

    def deadline(self, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return Deadline(self.deadline_seconds, clock)

    def check(self, item: Mapping[str, Any] | str) -> int:
        """Refuse ``item`` (a credential or a presentation, JSON or compact) when it is over
        a limit; else return its size in JSON values (what the costly steps grow with)."""
        return _Walk(self).item(item, "credential")


class Deadline:
    """When a verification must have finished; :meth:`check` between its steps."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._until = clock() + seconds

    def check(self) -> None:
        if self._clock() > self._until:
            self.expire()

    def remaining(self) -> float:
        return max(0.0, self._until - self._clock())

    def expire(self) -> NoReturn:
        raise VerificationTimeout(
            f"the verification did not finish within {self.seconds:g} s "
            "(CREDREG_VERIFY_DEADLINE_SECONDS); try again later"
        )


_SETTING = {
    "proof": "CREDREG_VERIFY_MAX_PROOFS",
    "verifiableCredential": "CREDREG_VERIFY_MAX_CREDENTIALS",
    "disclosures": "CREDREG_VERIFY_MAX_DISCLOSURES",
    "depth": "CREDREG_VERIFY_MAX_DEPTH",
    "values": "CREDREG_VERIFY_MAX_VALUES",
}


def _refuse(element: str, limit: str, reason: str) -> LimitExceeded:
    return LimitExceeded(element, f"{reason} ({_SETTING[limit]})")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Walk:
    """One input's walk: the JSON values are counted across all its documents."""

    def __init__(self, limits: VerifyLimits) -> None:
        self.limits = limits
        self.values = 0

    def item(self, item: Mapping[str, Any] | str, where: str) -> int:
        if isinstance(item, str):
            self._compact(item, where)
        elif isinstance(item, Mapping):
            self._document(item, where)
        return self.values

    def _document(self, document: Mapping[str, Any], where: str, *, measure: bool = True) -> None:
        """A JSON credential or presentation: its proofs and credentials counted first, then
        its values (``measure``: not for a credential already counted in its presentation)."""
        proofs = _as_list(document.get("proof"))
        if len(proofs) > self.limits.max_proofs:
            raise _refuse(
                f"{where}.proof",
                "proof",
                f"{len(proofs)} proofs: at most {self.limits.max_proofs} per credential or "
                "presentation are verified",
            )
        presentation = "VerifiablePresentation" in _as_list(document.get("type"))
        credentials = _as_list(document.get("verifiableCredential")) if presentation else []
        self._count(credentials, where)
        if measure:
            self._measure(document, where)
        self._credentials(credentials, where, measured=measure)

    def _count(self, credentials: list[Any], where: str) -> None:
        if len(credentials) > self.limits.max_credentials:
            raise _refuse(
                f"{where}.verifiableCredential",
                "verifiableCredential",
                f"{len(credentials)} credentials: at most {self.limits.max_credentials} per "
                "presentation are verified",
            )

    def _credentials(self, credentials: list[Any], where: str, *, measured: bool) -> None:
        for index, entry in enumerate(credentials):
            at = f"{where}.verifiableCredential[{index}]"
            if isinstance(entry, Mapping):
                data = entry.get("id")
                if entry.get("type") == "EnvelopedVerifiableCredential" and isinstance(data, str):
                    self._compact(data.split(",", 1)[-1], at)
                else:
                    self._document(entry, at, measure=not measured)
            elif isinstance(entry, str):
                self._compact(entry, at)

    def _compact(self, token: str, where: str) -> None:
        """A JWT (credential or presentation) or an SD-JWT."""
        parts = token.strip().split("~")
        if len(parts) > 1:
            disclosures = len(parts) - 2  # the issuer-signed JWT first, the KB-JWT (or "") last
            if disclosures > self.limits.max_disclosures:
                raise _refuse(
                    f"{where}.disclosures",
                    "disclosures",
                    f"{disclosures} disclosures: at most {self.limits.max_disclosures} per "
                    "SD-JWT are verified",
                )
        payload = _jwt_payload(parts[0], where, self.limits)
        if payload is None:
            return  # not a JWT: the pipeline says what it is
        vp = payload.get("vp")
        credentials = _as_list(vp.get("verifiableCredential")) if isinstance(vp, Mapping) else []
        self._count(credentials, where)
        self._measure(payload, where)
        self._credentials(credentials, where, measured=True)

    def _measure(self, document: Any, where: str) -> None:
        """Count the values of ``document`` and refuse it when nested too deeply or when
        the input grows past the size limit — without recursion, so depth cannot hurt."""
        limits = self.limits
        stack: list[tuple[Any, int]] = [(document, 1)]
        while stack:
            value, depth = stack.pop()
            self.values += 1
            if self.values > limits.max_values:
                raise _refuse(
                    where,
                    "values",
                    f"more than {limits.max_values} JSON values: too large to verify",
                )
            kind = type(value)  # parsed JSON: dict, list or a scalar (no ABC checks: fast)
            if kind is dict or (kind is not list and isinstance(value, Mapping)):
                children: Any = value.values()
            elif kind is list:
                children = value
            else:
                continue
            if depth > limits.max_depth:
                raise _refuse(
                    where,
                    "depth",
                    f"nested more than {limits.max_depth} levels deep: too deep to verify",
                )
            stack.extend((child, depth + 1) for child in children)


def _jwt_payload(token: str, where: str, limits: VerifyLimits) -> Mapping[str, Any] | None:
    segments = token.strip().split(".")
    if len(segments) != 3:
        return None
    segment = segments[1]
    try:
        payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    except RecursionError:  # nested deeper than the interpreter's own limit
        raise _refuse(
            where, "depth", f"nested more than {limits.max_depth} levels deep: too deep to verify"
        ) from None
    return payload if isinstance(payload, Mapping) else None
