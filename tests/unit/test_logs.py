"""The access log filter: secrets in URLs never reach the log."""

from __future__ import annotations

import logging
import logging.config

import pytest

from node.logs import RedactSecrets, redact, uvicorn_log_config


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/v/Zm9vYmFyYmF6", "/v/…"),
        ("/v/Zm9vYmFyYmF6/print", "/v/…/print"),
        ("/learner/link/abc-DEF_123", "/learner/link/…"),
        ("/offer/0b5e?code=SECRET", "/offer/…?…"),
        ("/oid4vci/offers/SECRET-code_1", "/oid4vci/offers/…"),
        ("/authorize?client_id=w&code_challenge=x&state=s", "/authorize?…"),
        ("/api/verify", "/api/verify"),
        ("/verify", "/verify"),
    ],
)
def test_redact(path: str, logged: str) -> None:
    assert redact(path) == logged


def test_filter_rewrites_uvicorn_access_records() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v/s3cr3t-token?lang=fi", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    message = record.getMessage()
    assert "s3cr3t" not in message and "/v/…?…" in message


def test_uvicorn_config_uses_the_filter() -> None:
    config = uvicorn_log_config()
    assert config["handlers"]["access"]["filters"] == ["redact_secrets"]
    logging.config.dictConfig(config)
    handler = logging.getLogger("uvicorn.access").handlers[0]
    assert any(isinstance(f, RedactSecrets) for f in handler.filters)
