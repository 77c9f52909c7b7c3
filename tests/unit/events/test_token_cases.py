"""Token use cases on the fake store: names, expiry input, unique names, revoking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.services import tokens
from chalicelib.services.auth import digest
from tests.fakes import FakeTokenStore

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_expiry_reads_days_go_durations_and_timestamps() -> None:
    assert tokens.expiry("30d", None, NOW) == NOW + timedelta(days=30)
    assert tokens.expiry("1h30m", None, NOW) == NOW + timedelta(minutes=90)
    assert tokens.expiry(None, "2026-06-01T00:00:00Z", NOW) == datetime(2026, 6, 1, tzinfo=UTC)
    assert tokens.expiry(None, None, NOW) is None


@pytest.mark.parametrize(
    ("expires_in", "expires_at", "fragment"),
    [
        ("30days", None, "expiresIn '30days' is not a duration (e.g. 30d, 12h, 90m)"),
        ("0d", None, "must be longer than zero"),
        ("-5m", None, "must be longer than zero"),
        (30, None, "field 'expiresIn' must be a duration text"),
        (None, "2026-04-01T00:00:00Z", "is not in the future"),
        (None, "tomorrow", "not an RFC 3339 timestamp"),
        ("1d", "2027-01-01T00:00:00Z", "either 'expiresIn' or 'expiresAt', not both"),
        ("99999999999d", None, "too far in the future"),
    ],
)
def test_bad_expiry_names_the_field_and_the_fix(
    expires_in: object, expires_at: object, fragment: str
) -> None:
    with pytest.raises(InvalidInput, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        tokens.expiry(expires_in, expires_at, NOW)


@pytest.mark.parametrize("name", ["", "-x", "a b", "x/y", "a" * 65, None])
def test_token_names_are_plain(name: object) -> None:
    with pytest.raises(InvalidInput, match="name"):
        tokens.check_name(name)


def test_create_shows_the_token_once_and_stores_only_its_digest() -> None:
    store = FakeTokenStore()
    created = tokens.create_token(store, "ci-pipeline", NOW + timedelta(days=1), "admin")
    stored = store.records["ci-pipeline"]
    assert stored.digest == digest(created.token)
    assert created.token not in stored.model_dump_json()
    assert (stored.expires, stored.created_by) == ("2026-05-02T12:00:00.000Z", "admin")
    shown = tokens.describe(stored, NOW)
    assert created.token not in str(shown)
    assert stored.digest not in str(shown)
    assert shown["expired"] is False
    assert tokens.describe(stored, NOW + timedelta(days=2))["expired"] is True


def test_names_are_unique() -> None:
    store = FakeTokenStore()
    tokens.create_token(store, "ci", None, "admin")
    with pytest.raises(Conflict):
        tokens.create_token(store, "ci", None, "admin")


def test_revoke_removes_the_token_but_never_the_last_usable_one() -> None:
    store = FakeTokenStore()
    tokens.create_token(store, "admin", None, "")
    tokens.create_token(store, "old", NOW - timedelta(days=1), "admin")
    with pytest.raises(NotFound, match="no token named 'ghost'; tokens are: admin, old"):
        tokens.revoke_token(store, "ghost", NOW)
    # The other one has expired: revoking admin would leave nobody able to call the API.
    with pytest.raises(Conflict, match="last usable one"):
        tokens.revoke_token(store, "admin", NOW)
    tokens.revoke_token(store, "old", NOW)
    tokens.create_token(store, "ci", None, "admin")
    tokens.revoke_token(store, "admin", NOW)
    assert [record.name for record in tokens.list_tokens(store)] == ["ci"]
