"""CSRF protection for the learner's forms.

Signed in: the form token is derived from the session token (HMAC), which only the
learner's browser has (an HttpOnly cookie); nothing more is stored. Before sign-in (the
sign-in forms themselves, against login CSRF): double submit — a random cookie set with
the form, and the same value in a hidden field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

FORM_COOKIE = "credreg_csrf"


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def session_token(session_secret: str) -> str:
    return hmac.new(session_secret.encode(), b"csrf", hashlib.sha256).hexdigest()


def same(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
