"""Expired and revoked tokens, and failed authentications limited per client (Keptn's 1/s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Forbidden, TooManyRequests, Unauthenticated
from chalicelib.services.auth import TokenVerifier, new_token
from chalicelib.services.failed_auth import BURST, FailureLimiter
from tests.fakes import FakeTokenStore

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class Clock:
    """Monotonic seconds and the wall clock, moved together."""

    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.seconds - 100.0)


def _verifier(store: FakeTokenStore, clock: Clock) -> TokenVerifier:
    return TokenVerifier(store, cache_seconds=60, clock=clock, now=clock.wall)


def _add(store: FakeTokenStore, name: str, expires: datetime | None = None) -> str:
    token, record = new_token(name, expires)
    store.create_token(record)
    return token


def test_a_token_works_until_it_expires_then_is_refused_with_the_reason() -> None:
    store, clock = FakeTokenStore(), Clock()
    token = _add(store, "ci", expires=START + timedelta(hours=1))
    verifier = _verifier(store, clock)
    assert verifier.identify(token, "10.0.0.1") == "ci"
    clock.seconds += 3599
    assert verifier.identify(token, "10.0.0.1") == "ci"
    clock.seconds += 1
    with pytest.raises(Forbidden, match=r"token 'ci' expired at 2026-05-01T13:00:00.000Z"):
        verifier.identify(token, "10.0.0.1")


def test_a_revoked_token_stops_at_once_after_forget_and_within_the_cache_time_anyway() -> None:
    store, clock = FakeTokenStore(), Clock()
    token = _add(store, "ci")
    here, elsewhere = _verifier(store, clock), _verifier(store, clock)
    assert here.identify(token) == elsewhere.identify(token) == "ci"
    store.delete_token("ci")
    here.forget()
    with pytest.raises(Forbidden):
        here.identify(token)
    # Another warm process still has it cached, but only for the cache time.
    assert elsewhere.identify(token) == "ci"
    clock.seconds += 61
    with pytest.raises(Forbidden):
        elsewhere.identify(token)


def test_25_wrong_tokens_in_a_row_are_answered_429_after_the_burst() -> None:
    store, clock = FakeTokenStore(), Clock()
    _add(store, "admin")
    verifier = _verifier(store, clock)
    answers: list[type[Exception]] = []
    waits: list[int] = []
    for _ in range(25):
        try:
            verifier.identify("qm_guess", "203.0.113.9")
        except (Forbidden, TooManyRequests) as error:
            answers.append(type(error))
            if isinstance(error, TooManyRequests):
                waits.append(error.retry_after)
    assert answers == [Forbidden] * BURST + [TooManyRequests] * (25 - BURST)
    assert set(waits) == {1}
    # One failure per second is allowed again (the sustained rate).
    clock.seconds += 1
    with pytest.raises(Forbidden):
        verifier.identify("qm_guess", "203.0.113.9")
    with pytest.raises(TooManyRequests):
        verifier.identify("qm_guess", "203.0.113.9")


def test_missing_tokens_count_as_failures_too() -> None:
    verifier = _verifier(FakeTokenStore(), Clock())
    for _ in range(BURST):
        with pytest.raises(Unauthenticated):
            verifier.identify(None, "198.51.100.7")
    with pytest.raises(TooManyRequests):
        verifier.identify(None, "198.51.100.7")


def test_a_valid_token_is_never_throttled_by_others_failures() -> None:
    store, clock = FakeTokenStore(), Clock()
    token = _add(store, "alice")
    verifier = _verifier(store, clock)
    for _ in range(30):
        with pytest.raises((Forbidden, TooManyRequests)):
            verifier.identify("qm_guess", "192.0.2.1")
    # Same address (a shared NAT), a correct token: it passes, every time.
    for _ in range(10):
        assert verifier.identify(token, "192.0.2.1") == "alice"
    # Another address has its own allowance.
    with pytest.raises(Forbidden):
        verifier.identify("qm_typo", "192.0.2.2")


def test_the_limiter_keeps_a_bounded_number_of_clients() -> None:
    clock = Clock()
    limiter = FailureLimiter(per_second=1, burst=1, max_clients=3, clock=clock)
    assert limiter.failed("a") == 0
    assert limiter.failed("a") == 1  # a is out of allowance
    for client in ("b", "c", "d"):
        assert limiter.failed(client) == 0
    # "a" failed longest ago and was dropped to stay within 3 clients; it starts afresh.
    assert limiter.failed("a") == 0
    assert limiter.failed("d") == 1


def test_retry_after_is_the_whole_seconds_until_the_next_allowed_failure() -> None:
    clock = Clock()
    limiter = FailureLimiter(per_second=0.25, burst=1, clock=clock)
    assert limiter.failed("x") == 0
    assert limiter.failed("x") == 4
    clock.seconds += 2.5
    assert limiter.failed("x") == 2
    clock.seconds += 1.5
    assert limiter.failed("x") == 0
