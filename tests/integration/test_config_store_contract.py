"""The ConfigStore contract, run against the DynamoDB adapter (on moto) and the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.projects import ProjectRecord, ResourceScope, ServiceRecord
from chalicelib.errors import Conflict, NotFound
from chalicelib.ports import ConfigStore
from tests.fakes import FakeConfigStore


@pytest.fixture(params=["dynamodb", "fake"])
def store(request: pytest.FixtureRequest) -> Iterator[ConfigStore]:
    if request.param == "fake":
        yield FakeConfigStore()
    else:
        container: Container = request.getfixturevalue("aws_container")
        yield container.config


def project(name: str = "shop", shipyard: str = "stages: [dev]") -> ProjectRecord:
    return ProjectRecord(
        name=name,
        shipyard=shipyard,
        shipyard_version="spec.keptn.sh/0.2.3",
        stages=("dev", "prod"),
        creation_date="2026-01-01T00:00:00.000Z",
    )


def test_a_project_is_created_once_with_its_shipyard_as_first_commit(store: ConfigStore) -> None:
    created = store.create_project(project(), author="alice")
    assert created.head == "000000000001"
    with pytest.raises(Conflict, match="already exists"):
        store.create_project(project(), author="alice")
    stored = store.get_project("shop")
    assert stored is not None
    assert stored.stages == ("dev", "prod")
    shipyard = store.get_resource(ResourceScope(project="shop"), "shipyard.yaml")
    assert shipyard is not None
    assert shipyard.content == b"stages: [dev]"
    assert [p.name for p in store.list_projects()] == ["shop"]


def test_files_are_versioned_and_readable_as_of_any_commit(store: ConfigStore) -> None:
    store.create_project(project(), author="alice")
    scope = ResourceScope(project="shop", stage="dev", service="cart")
    first = store.put_resources(scope, [("slo.yaml", b"v1")], author="alice", message="m")
    second = store.put_resources(scope, [("slo.yaml", b"v2"), ("sli.yaml", b"s")], "bob", "m")
    assert first.id < second.id
    assert store.get_resource(scope, "slo.yaml", first.id).content == b"v1"  # type: ignore[union-attr]
    assert store.get_resource(scope, "slo.yaml").content == b"v2"  # type: ignore[union-attr]
    assert store.get_resource(scope, "sli.yaml", first.id) is None
    assert sorted(r.uri for r in store.list_resources(scope)) == ["sli.yaml", "slo.yaml"]
    assert [r.uri for r in store.list_resources(scope, first.id)] == ["slo.yaml"]
    # A stage-level file is not a service-level file.
    assert store.list_resources(ResourceScope(project="shop", stage="dev")) == []


def test_a_deleted_file_is_gone_now_but_not_in_the_past(store: ConfigStore) -> None:
    store.create_project(project(), author="alice")
    scope = ResourceScope(project="shop", stage="dev")
    kept = store.put_resources(scope, [("a.yaml", b"a")], "alice", "m")
    store.delete_resource(scope, "a.yaml", "alice")
    assert store.get_resource(scope, "a.yaml") is None
    assert store.list_resources(scope) == []
    assert store.get_resource(scope, "a.yaml", kept.id) is not None


def test_writing_to_a_missing_project_is_not_found(store: ConfigStore) -> None:
    with pytest.raises(NotFound, match="project 'ghost'"):
        store.put_resources(ResourceScope(project="ghost"), [("a", b"a")], "alice", "m")


def test_services_are_created_once_and_deleted(store: ConfigStore) -> None:
    store.create_project(project(), author="alice")
    service = ServiceRecord(project="shop", name="cart", creation_date="t")
    store.create_service(service)
    with pytest.raises(Conflict):
        store.create_service(service)
    assert [s.name for s in store.list_services("shop")] == ["cart"]
    store.delete_service("shop", "cart")
    assert store.list_services("shop") == []


def test_deleting_a_project_removes_its_services_and_files(store: ConfigStore) -> None:
    store.create_project(project(), author="alice")
    store.create_service(ServiceRecord(project="shop", name="cart", creation_date="t"))
    store.delete_project("shop")
    assert store.get_project("shop") is None
    assert store.list_services("shop") == []
    store.create_project(project(), author="alice")
    assert store.get_resource(ResourceScope(project="shop"), "shipyard.yaml") is not None
    assert store.list_services("shop") == []


def test_a_project_being_deleted_is_gone_for_readers_and_its_name_stays_taken(
    store: ConfigStore,
) -> None:
    assert store.mark_deleting("shop", since="2026-01-02T00:00:00.000Z") is None  # no such project
    store.create_project(project(), author="alice")
    store.create_service(ServiceRecord(project="shop", name="cart", creation_date="t"))
    marked = store.mark_deleting("shop", since="2026-01-02T00:00:00.000Z")
    assert marked is not None
    assert marked.stages == ("dev", "prod")
    assert store.get_project("shop") is None
    assert store.list_projects() == []
    with pytest.raises(Conflict, match="is being deleted"):
        store.create_project(project(), author="alice")
    # A deletion that stopped here is found again by the next attempt, which finishes it.
    again = store.mark_deleting("shop", since="2026-01-03T00:00:00.000Z")
    assert again is not None
    assert again.name == "shop"
    store.delete_project("shop")
    assert store.mark_deleting("shop", since="2026-01-03T00:00:00.000Z") is None
    store.create_project(project(), author="alice")
    assert store.list_services("shop") == []


def test_updating_the_shipyard_is_a_new_commit(store: ConfigStore) -> None:
    created = store.create_project(project(), author="alice")
    updated = store.update_shipyard(created.model_copy(update={"shipyard": "new"}), "bob")
    assert updated.head > created.head
    scope = ResourceScope(project="shop")
    assert store.get_resource(scope, "shipyard.yaml").content == b"new"  # type: ignore[union-attr]
    assert store.get_resource(scope, "shipyard.yaml", created.head).content == b"stages: [dev]"  # type: ignore[union-attr]


def test_a_write_with_the_version_read_lands_and_a_stale_one_is_refused_whole(
    store: ConfigStore,
) -> None:
    store.create_project(project(), author="alice")
    scope = ResourceScope(project="shop", stage="dev")
    read = store.put_resources(scope, [("a.yaml", b"a1")], "alice", "m").id
    store.put_resources(scope, [("a.yaml", b"a2")], "bob", "m", expected={"a.yaml": read})

    with pytest.raises(Conflict, match=r"a\.yaml of project 'shop', stage 'dev' was changed"):
        store.put_resources(
            scope, [("a.yaml", b"stale"), ("b.yaml", b"b")], "carol", "m", expected={"a.yaml": read}
        )

    assert store.get_resource(scope, "a.yaml").content == b"a2"  # type: ignore[union-attr]
    assert store.get_resource(scope, "b.yaml") is None  # nothing of the refused commit
    head = store.get_project("shop").head  # type: ignore[union-attr]
    assert [r.content for r in store.list_resources(scope, head)] == [b"a2"]


def test_expecting_no_file_refuses_an_existing_one_and_accepts_a_deleted_one(
    store: ConfigStore,
) -> None:
    store.create_project(project(), author="alice")
    scope = ResourceScope(project="shop")
    store.put_resources(scope, [("new.yaml", b"first")], "alice", "m", expected={"new.yaml": None})
    with pytest.raises(Conflict, match=r"new\.yaml of project 'shop' was changed"):
        store.put_resources(
            scope, [("new.yaml", b"second")], "bob", "m", expected={"new.yaml": None}
        )
    assert store.get_resource(scope, "new.yaml").content == b"first"  # type: ignore[union-attr]

    store.delete_resource(scope, "new.yaml", "alice")
    store.put_resources(scope, [("new.yaml", b"again")], "bob", "m", expected={"new.yaml": None})
    assert store.get_resource(scope, "new.yaml").content == b"again"  # type: ignore[union-attr]


def test_an_expected_version_of_a_deleted_file_is_refused(store: ConfigStore) -> None:
    store.create_project(project(), author="alice")
    scope = ResourceScope(project="shop")
    read = store.put_resources(scope, [("a.yaml", b"a")], "alice", "m").id
    store.delete_resource(scope, "a.yaml", "bob")
    with pytest.raises(Conflict, match="was changed by another commit"):
        store.put_resources(scope, [("a.yaml", b"edited")], "carol", "m", expected={"a.yaml": read})
    assert store.get_resource(scope, "a.yaml") is None


def test_plain_writes_replace_whatever_is_there(store: ConfigStore) -> None:
    store.create_project(project(), author="alice")
    scope = ResourceScope(project="shop")
    read = store.put_resources(scope, [("a.yaml", b"a1")], "alice", "m").id
    store.put_resources(scope, [("a.yaml", b"a2")], "bob", "m")
    store.put_resources(scope, [("a.yaml", b"a3"), ("b.yaml", b"b")], "carol", "m")
    assert store.get_resource(scope, "a.yaml").content == b"a3"  # type: ignore[union-attr]
    # Only the files named in `expected` are checked.
    store.put_resources(scope, [("a.yaml", b"a4"), ("b.yaml", b"b2")], "dave", "m", expected={})
    assert store.get_resource(scope, "a.yaml", read) is not None
    assert store.get_resource(scope, "a.yaml").content == b"a4"  # type: ignore[union-attr]
