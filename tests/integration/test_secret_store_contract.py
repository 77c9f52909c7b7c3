"""The SecretStore contract, run against Secrets Manager (on moto) and the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.secrets import Secret
from chalicelib.errors import Conflict, NotFound
from chalicelib.ports import SecretStore
from tests.fakes import FakeSecretStore


@pytest.fixture(params=["secretsmanager", "fake"])
def store(request: pytest.FixtureRequest) -> Iterator[SecretStore]:
    if request.param == "fake":
        yield FakeSecretStore()
    else:
        container: Container = request.getfixturevalue("aws_container")
        yield container.secrets


def test_create_list_read_update_delete(store: SecretStore) -> None:
    store.create(Secret(name="slack", scope="keptn-webhook-service", data={"token": "s3cr3t"}))
    with pytest.raises(Conflict):
        store.create(Secret(name="slack", scope="keptn-webhook-service", data={}))
    listed = store.list()
    assert [(s.name, s.scope, s.keys) for s in listed] == [
        ("slack", "keptn-webhook-service", ("token",))
    ]
    assert "s3cr3t" not in repr(listed)
    store.update(Secret(name="slack", scope="keptn-webhook-service", data={"a": "1", "b": "2"}))
    read = store.read("slack", "keptn-webhook-service")
    assert read is not None
    assert read.data == {"a": "1", "b": "2"}
    store.delete("slack", "keptn-webhook-service")
    assert store.list() == []
    assert store.read("slack", "keptn-webhook-service") is None


def test_missing_secrets_are_not_found(store: SecretStore) -> None:
    with pytest.raises(NotFound):
        store.update(Secret(name="ghost", data={}))
    with pytest.raises(NotFound):
        store.delete("ghost", "keptn-default")


def test_the_same_name_in_two_scopes_are_two_secrets(store: SecretStore) -> None:
    store.create(Secret(name="db", scope="keptn-default", data={"u": "x"}))
    store.create(Secret(name="db", scope="team-a", data={"p": "y"}))
    assert [(s.scope, s.keys) for s in store.list()] == [
        ("keptn-default", ("u",)),
        ("team-a", ("p",)),
    ]
