"""What runs where, event by event: deployments, blue/green staging and release, rollbacks,
whoever reported them; failures and older events change nothing."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.service_state import Deployed, ServiceState
from chalicelib.engine.whatruns import observe

EMPTY = ServiceState(project="shop", stage="prod", service="carts")


def _event(task: str, time: str, source: str = "helm", **data: Any) -> KeptnEvent:
    return KeptnEvent.model_validate(
        {
            "specversion": "1.0",
            "id": f"{task}-{time}",
            "source": source,
            "type": f"sh.keptn.event.{task}.finished",
            "time": time,
            "shkeptncontext": f"ctx-{time}",
            "data": {"project": "shop", "stage": "prod", "service": "carts", **data},
        }
    )


def _deploy(state: ServiceState, image: str, time: str, **data: Any) -> ServiceState:
    changed = observe(state, _event("deployment", time, **data), {"image": image})
    assert changed is not None
    return changed


def test_a_users_tool_deployment_runs_and_the_one_before_is_kept() -> None:
    first = _deploy(EMPTY, "carts:1", "2026-01-01T10:00:00.000Z")
    assert first.deployed is not None
    assert (first.deployed.version, first.deployed.image, first.deployed.source) == (
        "carts:1",
        "carts:1",
        "helm",
    )
    assert first.deployed.keptn_context == "ctx-2026-01-01T10:00:00.000Z"
    second = _deploy(first, "carts:2", "2026-01-02T10:00:00.000Z")
    assert second.deployed is not None
    assert second.previous is not None
    assert (second.deployed.image, second.previous.image) == ("carts:2", "carts:1")
    assert second.deployment_body()["deployedImage"] == "carts:2"


def test_failed_or_errored_deployments_change_nothing() -> None:
    for result, status in (("fail", "succeeded"), ("pass", "errored")):
        event = _event("deployment", "2026-01-01T10:00:00.000Z", result=result, status=status)
        assert observe(EMPTY, event, {"image": "carts:1"}) is None


def test_an_older_event_changes_nothing() -> None:
    state = _deploy(EMPTY, "carts:2", "2026-01-02T10:00:00.000Z")
    assert observe(state, _event("deployment", "2026-01-01T10:00:00.000Z"), {"image": "x"}) is None


def test_quartermasters_deployment_names_its_version_and_what_it_replaced() -> None:
    block = {
        "version": "7",
        "previousVersion": "6",
        "deploymentstrategy": "canary",
        "target": {"type": "lambda", "function": "carts", "alias": "live", "version": "7"},
    }
    state = _deploy(EMPTY, "", "2026-01-01T10:00:00.000Z", deployment=block)
    assert state.deployed is not None
    assert state.previous is not None
    assert (state.deployed.version, state.previous.version) == ("7", "6")
    assert state.deployed.target == "lambda: function carts, alias live, version 7"


def test_blue_green_stages_until_release_switches() -> None:
    running = _deploy(EMPTY, "carts:1", "2026-01-01T10:00:00.000Z")
    block = {"deploymentstrategy": "blue_green_service"}
    staged = _deploy(running, "carts:2", "2026-01-02T10:00:00.000Z", deployment=block)
    assert staged.deployed == running.deployed
    assert staged.staged is not None
    assert staged.staged.image == "carts:2"
    released = observe(staged, _event("release", "2026-01-02T11:00:00.000Z"), None)
    assert released is not None
    assert released.staged is None
    assert released.deployed is not None
    assert released.previous is not None
    assert (released.deployed.image, released.previous.image) == ("carts:2", "carts:1")
    assert released.deployed.since == "2026-01-02T11:00:00.000Z"


def test_a_rollback_discards_what_is_staged() -> None:
    running = _deploy(EMPTY, "carts:1", "2026-01-01T10:00:00.000Z")
    staged = _deploy(
        running,
        "carts:2",
        "2026-01-02T10:00:00.000Z",
        deployment={"deploymentstrategy": "blue_green"},
    )
    rolled = observe(staged, _event("rollback", "2026-01-02T11:00:00.000Z"), None)
    assert rolled is not None
    assert rolled.staged is None
    assert rolled.deployed == running.deployed


def test_a_rollback_brings_back_the_previous_deployment() -> None:
    state = _deploy(
        _deploy(EMPTY, "carts:1", "2026-01-01T10:00:00.000Z"), "carts:2", "2026-01-02T10:00:00.000Z"
    )
    rolled = observe(state, _event("rollback", "2026-01-03T10:00:00.000Z"), None)
    assert rolled is not None
    assert rolled.deployed is not None
    assert rolled.deployed.image == "carts:1"
    assert rolled.previous is None


def test_a_rollback_that_says_it_changed_nothing_changes_nothing() -> None:
    state = _deploy(
        _deploy(EMPTY, "carts:1", "2026-01-01T10:00:00.000Z"), "carts:2", "2026-01-02T10:00:00.000Z"
    )
    event = _event("rollback", "2026-01-03T10:00:00.000Z", rollback={"changed": False})
    assert observe(state, event, None) is None


def test_a_rollback_to_a_version_not_seen_before_runs_that_version() -> None:
    state = ServiceState(
        project="shop", stage="prod", service="carts", deployed=Deployed(version="7")
    )
    event = _event(
        "rollback", "2026-01-03T10:00:00.000Z", rollback={"changed": True, "restored": "5"}
    )
    rolled = observe(state, event, None)
    assert rolled is not None
    assert rolled.deployed is not None
    assert rolled.deployed.version == "5"


def test_other_events_change_nothing() -> None:
    event = _event("test", "2026-01-01T10:00:00.000Z")
    assert observe(EMPTY, event, None) is None
