"""Fixtures for the interop tests: an independent (npm) verifier kept open for the session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.interop.jsverifier import JsVerifier, ensure_installed


@pytest.fixture(scope="session")
def js_verifier() -> Iterator[JsVerifier]:
    """``node verify.mjs --lines`` with the pinned packages (``npm ci`` on first use).

    A missing Node.js/npm is an error, never a skip: the README's test command installs
    what this needs, and every suite must really run.
    """
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are needed for the independent verifier")
    ensure_installed()
    with JsVerifier() as verifier:
        yield verifier
