"""The HTTP access log without the secrets some URLs carry.

Share links (``/v/{token}``), learners' sign-in links (``/learner/link/{token}``), offer
pages (``/offer/{id}?code=…``) and offers by reference (``/oid4vci/offers/{code}``) hold
their secret in the URL; uvicorn's access log would write
it down. :func:`uvicorn_log_config` is uvicorn's own configuration with a filter that replaces
those path segments and every query string with ``…``.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_SECRET_SEGMENT = re.compile(r"(/(?:v|learner/link|offer|oid4vci/offers)/)[^/?#\s]+")
_QUERY = re.compile(r"\?.*$")


def redact(path: str) -> str:
    """``path`` with secret-bearing segments and the query string replaced by ``…``."""
    return _SECRET_SEGMENT.sub(r"\1…", _QUERY.sub("?…", path))


class RedactSecrets(logging.Filter):
    """For ``uvicorn.access`` records: args are (client, method, path, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": RedactSecrets}
    config["handlers"]["access"]["filters"] = ["redact_secrets"]
    return config
