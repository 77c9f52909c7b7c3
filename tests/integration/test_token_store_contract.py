"""The TokenStore contract, run against DynamoDB (on moto) and the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.bootstrap import Container
from chalicelib.errors import Conflict
from chalicelib.ports import TokenRecord, TokenStore
from tests.fakes import FakeTokenStore


@pytest.fixture(params=["dynamodb", "fake"])
def store(request: pytest.FixtureRequest) -> Iterator[TokenStore]:
    if request.param == "fake":
        yield FakeTokenStore()
    else:
        container: Container = request.getfixturevalue("aws_container")
        yield container.tokens


def _record(name: str, digest: str, expires: str | None = None) -> TokenRecord:
    return TokenRecord(
        name=name, digest=digest, created="2026-05-01T12:00:00.000Z", expires=expires
    )


def test_create_is_unique_put_replaces_delete_says_whether_it_existed(store: TokenStore) -> None:
    store.create_token(_record("ci", "d1", expires="2026-06-01T00:00:00.000Z"))
    with pytest.raises(Conflict, match="'ci' already exists"):
        store.create_token(_record("ci", "d2"))
    assert [(r.name, r.digest, r.expires) for r in store.list_tokens()] == [
        ("ci", "d1", "2026-06-01T00:00:00.000Z")
    ]
    store.put_token(_record("ci", "d3"))
    store.put_token(_record("admin", "d4"))
    assert sorted((r.name, r.digest) for r in store.list_tokens()) == [
        ("admin", "d4"),
        ("ci", "d3"),
    ]
    assert store.delete_token("ci") is True
    assert store.delete_token("ci") is False
    assert [r.name for r in store.list_tokens()] == ["admin"]


def test_records_written_before_expiry_existed_still_read(store: TokenStore) -> None:
    # Tokens issued by earlier versions carry only name, digest and created.
    old = TokenRecord.model_validate_json(
        '{"name": "admin", "digest": "d", "created": "2025-01-01T00:00:00.000Z"}'
    )
    store.put_token(old)
    (read,) = store.list_tokens()
    assert (read.expires, read.created_by) == (None, "")
