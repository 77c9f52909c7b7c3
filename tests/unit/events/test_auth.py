"""API tokens: stored hashed, checked by digest, 401 without and 403 with a wrong token."""

from __future__ import annotations

import pytest

from chalicelib.errors import Forbidden, TooManyRequests, Unauthenticated
from chalicelib.services.auth import TokenVerifier, digest, issue_token
from tests.fakes import FakeTokenStore


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_stored_as_digests_only() -> None:
    store = FakeTokenStore()
    token = issue_token(store, "admin")
    (record,) = store.records.values()
    assert token not in record.model_dump_json()
    assert record.digest == digest(token)


def test_identify_names_the_owner_and_refuses_missing_or_wrong_tokens() -> None:
    store = FakeTokenStore()
    token = issue_token(store, "alice")
    verifier = TokenVerifier(store, cache_seconds=60)
    assert verifier.identify(token) == "alice"
    with pytest.raises(Unauthenticated):
        verifier.identify(None)
    with pytest.raises(Forbidden):
        verifier.identify("qm_wrong")


def test_digests_are_cached_but_a_new_token_works_at_once() -> None:
    store, clock = FakeTokenStore(), Clock()
    issue_token(store, "alice")
    verifier = TokenVerifier(store, cache_seconds=60, clock=clock)
    with pytest.raises(Forbidden):
        verifier.identify("qm_nobody")
    reads = store.reads
    clock.now = 5
    bob = issue_token(store, "bob")
    assert verifier.identify(bob) == "bob"  # a miss re-reads the store
    assert store.reads == reads + 1


def test_wrong_tokens_do_not_reread_the_store_more_than_once_a_second() -> None:
    store, clock = FakeTokenStore(), Clock()
    verifier = TokenVerifier(store, cache_seconds=60, clock=clock)
    for _ in range(50):
        with pytest.raises((Forbidden, TooManyRequests)):
            verifier.identify("qm_guess")
    assert store.reads == 1
