"""The Redis every machine here runs (127.0.0.1:6379; ``CREDREG_TEST_REDIS_URL`` overrides):
each test counts under a key prefix of its own, so parallel runs never share a count."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

REDIS_URL = os.environ.get("CREDREG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def unique_prefix() -> Iterator[str]:
    """A fresh key prefix; its keys are deleted afterwards."""
    prefix = f"credreg-test-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()
