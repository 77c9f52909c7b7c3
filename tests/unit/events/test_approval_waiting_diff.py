"""Which deployment an approval's configuration diff starts from, and failures that must not
keep the approval from waiting (fakes; the whole flow runs on moto in test_approvals.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ProjectRecord, Resource, ResourceScope
from chalicelib.services.approvals.config_diff import last_deployed_commit, waiting_diff
from tests.fakes import FakeConfigStore, FakeEventStore

CART = ResourceScope(project="shop", stage="prod", service="cart")
SCOPE_DATA = {"project": "shop", "stage": "prod", "service": "cart"}


def event(
    event_id: str,
    event_type: str,
    time: str,
    context: str,
    data: dict[str, Any] | None = None,
    **attributes: str,
) -> KeptnEvent:
    return KeptnEvent(
        id=event_id,
        source="helm-service" if event_type.endswith(".finished") else "shipyard-controller",
        type=f"sh.keptn.event.{event_type}",
        time=f"2026-05-02T10:00:{time}.000Z",
        shkeptncontext=context,
        data={**SCOPE_DATA, **(data or {})},
        **attributes,
    )


@pytest.fixture
def config() -> FakeConfigStore:
    store = FakeConfigStore()
    store.create_project(
        ProjectRecord(
            name="shop",
            shipyard="x",
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("prod",),
            creation_date="t",
        ),
        author="test",
    )
    return store


def test_the_newest_passed_deployment_of_an_earlier_run_is_the_baseline() -> None:
    store = FakeEventStore()
    for stored in (
        event("d1", "deployment.finished", "01", "run-1", {"result": "pass"}, gitcommitid="a1"),
        event("d2", "deployment.finished", "02", "run-2", {"result": "warning"}, gitcommitid="a2"),
        event("d3", "deployment.finished", "03", "run-3", {"result": "fail"}, gitcommitid="a3"),
        # The approving run's own deployment (it deploys before it asks) is not the baseline.
        event("d4", "deployment.finished", "04", "run-4", {"result": "pass"}, gitcommitid="a4"),
        event("x", "deployment.finished", "05", "run-5", {"result": "pass", "stage": "dev"}),
    ):
        store.put(stored)
    approval = event("ap", "approval.triggered", "06", "run-4", gitcommitid="a4")
    assert last_deployed_commit(approval, store) == "a2"


def test_a_tool_that_echoes_no_gitcommitid_points_to_the_version_it_was_sent() -> None:
    store = FakeEventStore()
    store.put(event("t1", "deployment.triggered", "01", "run-1", gitcommitid="c7"))
    store.put(
        event("f1", "deployment.finished", "02", "run-1", {"result": "pass"}, triggeredid="t1")
    )
    approval = event("ap", "approval.triggered", "03", "run-2", gitcommitid="c9")
    assert last_deployed_commit(approval, store) == "c7"


def test_no_deployment_yet_means_no_baseline() -> None:
    approval = event("ap", "approval.triggered", "03", "run-2", gitcommitid="c9")
    assert last_deployed_commit(approval, FakeEventStore()) is None


def test_the_diff_runs_from_the_deployed_version_to_the_approved_one(
    config: FakeConfigStore,
) -> None:
    deployed = config.put_resources(CART, [("values.yaml", b"image: cart:1\n")], "a", "v1")
    approved = config.put_resources(CART, [("values.yaml", b"image: cart:2\n")], "a", "v2")
    config.put_resources(CART, [("values.yaml", b"image: cart:3\n")], "a", "later")
    store = FakeEventStore()
    store.put(
        event("d", "deployment.finished", "01", "r1", {"result": "pass"}, gitcommitid=deployed.id)
    )
    approval = event("ap", "approval.triggered", "02", "r2", gitcommitid=approved.id)
    diff = waiting_diff(approval, store, config)
    assert (diff["fromCommit"], diff["toCommit"]) == (deployed.id, approved.id)
    assert diff["files"][0]["diff"].endswith("-image: cart:1\n+image: cart:2\n")


class BrokenConfigStore(FakeConfigStore):
    def list_resources(self, scope: ResourceScope, version: str | None = None) -> list[Resource]:
        raise ConnectionError("config table unreachable")


def test_a_failure_is_reported_in_the_event_and_logged_never_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    approval = event("ap", "approval.triggered", "02", "r2", gitcommitid="c2")
    with caplog.at_level(logging.WARNING, logger="quartermaster-handlers.approvals"):
        diff = waiting_diff(approval, FakeEventStore(), BrokenConfigStore())
    assert diff["toCommit"] == "c2"
    assert "config table unreachable" in diff["error"]
    assert "files" not in diff
    assert "approval ap waits without a configuration diff" in caplog.text


def test_an_approval_without_a_pinned_version_says_so(config: FakeConfigStore) -> None:
    approval = event("ap", "approval.triggered", "02", "r2")
    diff = waiting_diff(approval, FakeEventStore(), config)
    assert diff["error"].endswith(
        "approval ap carries no gitcommitid: the version to deploy is unknown"
    )
