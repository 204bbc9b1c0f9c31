"""The learner sign-in limits over time (a settable clock): what stops whom, and when a
window ends."""

from __future__ import annotations

import pytest

from node.learners.errors import PasswordPaused, TooManyAttempts
from node.learners.limits import LimitSettings, SignInLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


SETTINGS = LimitSettings(
    window_seconds=300, per_client=6, per_account_client=2, per_account=4, links_per_account=2
)


def test_an_address_is_stopped_per_account_then_overall_and_the_window_ends() -> None:
    clock = Clock()
    limits = SignInLimits(SETTINGS, 900, clock)
    for _ in range(2):
        limits.password("a", "x@example.org")
    with pytest.raises(TooManyAttempts) as stopped:
        limits.password("a", "x@example.org")
    assert not isinstance(stopped.value, PasswordPaused) and stopped.value.retry_after == 300
    assert limits.link("a", "x@example.org")  # asking for a link is counted apart
    limits.password("b", "x@example.org")  # another address is not stopped
    for n in range(2):  # "a" tried 4 times so far, counting the refused one and the link
        limits.password("a", f"{n}@example.org")
    with pytest.raises(TooManyAttempts):
        limits.password("a", "fresh@example.org")  # six from "a": that address is done
    clock.now += 300
    limits.password("a", "x@example.org")  # a new window


def test_many_addresses_pause_password_sign_in_only() -> None:
    clock = Clock()
    limits = SignInLimits(SETTINGS, 900, clock)
    for client in ("a", "a", "b", "b"):
        limits.password(client, "x@example.org")
    with pytest.raises(PasswordPaused) as paused:
        limits.password("victim", "x@example.org")
    assert "ask for a sign-in link" in paused.value.message
    assert limits.link("victim", "x@example.org")
    limits.password("victim", "y@example.org")  # other accounts are not paused


def test_sign_in_mails_per_account_in_the_link_lifetime() -> None:
    clock = Clock()
    limits = SignInLimits(SETTINGS, 900, clock)
    assert [limits.link(c, "x@example.org") for c in "abc"] == [True, True, False]
    clock.now += 899  # the two links sent are still valid (15 minutes) while mails wait
    assert not limits.link("d", "x@example.org")
    clock.now += 1
    assert limits.link("d", "x@example.org")
