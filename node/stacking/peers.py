"""Another member's stack rule version, read from its registered endpoint (to check a
micro-degree it issued): only below ``{endpoint}/api/stacks/``, within the peer limits."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from node.errors import InvalidInput, NodeError
from node.network.fetch import PeerFetchError, PeerLimits, fetch, refusal

STACKS = "/api/stacks/"


class RuleUnavailable(Exception):
    """The rule version cannot be read now (the chain, or the issuer's node)."""


class PeerRules:
    """``(issuer DID, rule URL) → document``: InvalidInput for a URL the issuer's endpoint
    does not serve, RuleUnavailable when it cannot be read now."""

    def __init__(self, endpoint_of: Callable[[str], str | None], limits: PeerLimits) -> None:
        self._endpoint_of, self._limits = endpoint_of, limits

    def __call__(self, issuer: str, url: str) -> Mapping[str, Any]:
        try:
            endpoint = self._endpoint_of(issuer)
        except NodeError as exc:  # the chain cannot be read: who the issuer is, unknown now
            raise RuleUnavailable(exc.message) from None
        if not endpoint:
            raise InvalidInput(f"{issuer} is no member with a registered endpoint")
        if (why := refusal(url, endpoint.rstrip("/") + STACKS)) is not None:
            raise InvalidInput(why)
        try:
            document = json.loads(fetch(url, {}, self._limits))
        except PeerFetchError as exc:
            raise RuleUnavailable(str(exc)) from None
        except ValueError:
            raise InvalidInput(f"{url} is not JSON") from None
        if not isinstance(document, dict):
            raise InvalidInput(f"{url} is not a rule document")
        return document
