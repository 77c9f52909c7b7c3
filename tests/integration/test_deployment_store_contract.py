"""The DeploymentStore and ServiceStates contracts on DynamoDB (moto): a record created once and
written with revisions, waiters, the last deployment kept newest, what runs where noted per
event type (newest wins) and read per project in one query."""

from __future__ import annotations

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.deployment_records import DeploymentRecord, EvaluationWaiter, Phase
from chalicelib.domain.deployments import Routing
from chalicelib.domain.service_state import Deployed, SeenEvent, ServiceState
from chalicelib.domain.targets import LambdaTarget
from chalicelib.engine.deploy.strategies import read_strategy
from chalicelib.ports import DeploymentStore, ServiceStates


@pytest.fixture
def stores(aws_container: Container) -> tuple[DeploymentStore, ServiceStates]:
    assert aws_container.deployments is not None
    assert aws_container.service_states is not None
    return aws_container.deployments, aws_container.service_states


def _record(record_id: str = "t-1", created: str = "2026-05-02T10:00:00.000Z") -> DeploymentRecord:
    return DeploymentRecord(
        id=record_id,
        task="deployment",
        project="shop",
        stage="prod",
        service="carts",
        keptn_context="c-1",
        target=LambdaTarget(type="lambda", function="carts"),
        strategy=read_strategy({"deploymentstrategy": "canary"}),
        previous=Routing(version="6"),
        created=created,
    )


def test_a_record_is_created_once_and_read_back_whole(
    stores: tuple[DeploymentStore, ServiceStates],
) -> None:
    deployments, _ = stores
    record = _record()
    assert deployments.create(record) is True
    assert deployments.create(record.model_copy(update={"version": "9"})) is False
    assert deployments.get("t-1") == record
    assert deployments.get("t-2") is None


def test_a_write_expects_the_revision_it_read(
    stores: tuple[DeploymentStore, ServiceStates],
) -> None:
    deployments, _ = stores
    deployments.create(_record())
    first = _record().model_copy(update={"version": "7", "revision": 1})
    assert deployments.save(first) is True
    stale = _record().model_copy(update={"phase": Phase.FINISHED, "revision": 1})
    assert deployments.save(stale) is False  # written after revision 0 was replaced
    stored = deployments.get("t-1")
    assert stored is not None
    assert (stored.version, stored.phase, stored.revision) == ("7", Phase.STARTED, 1)


def test_waiters_and_the_newest_last_deployment(
    stores: tuple[DeploymentStore, ServiceStates],
) -> None:
    deployments, _ = stores
    waiter = EvaluationWaiter(evaluation_id="e-1", deployment_id="t-1", step=2, token="tok")
    deployments.put_waiter(waiter)
    assert deployments.get_waiter("e-1") == waiter
    assert deployments.get_waiter("e-2") is None
    newer = _record("t-2", created="2026-05-03T10:00:00.000Z").model_copy(update={"version": "8"})
    older = _record("t-1").model_copy(update={"version": "7"})
    deployments.set_last_deployment(newer)
    deployments.set_last_deployment(older)  # a late redelivery of an older task
    last = deployments.last_deployment("shop", "prod", "carts")
    assert last is not None
    assert last.version == "8"
    assert deployments.last_deployment("shop", "dev", "carts") is None


def _seen(kind: str, time: str) -> SeenEvent:
    return SeenEvent(type=kind, event_id=f"{kind}-{time}", keptn_context="c", time=time)


def test_the_newest_event_of_each_type_is_kept(
    stores: tuple[DeploymentStore, ServiceStates],
) -> None:
    _, states = stores
    finished = "sh.keptn.event.deployment.finished"
    states.note_event("shop", "prod", "carts", _seen(finished, "2026-05-02T10:00:01.000Z"))
    states.note_event("shop", "prod", "carts", _seen(finished, "2026-05-02T10:00:00.000Z"))
    states.note_event("shop", "prod", "carts", _seen("sh.keptn.event.test.finished", "2026-05-02"))
    state = states.get("shop", "prod", "carts")
    assert state is not None
    assert state.last_event_types[finished].time == "2026-05-02T10:00:01.000Z"
    assert set(state.last_event_types) == {finished, "sh.keptn.event.test.finished"}
    assert state.deployed is None


def test_the_deployment_part_is_written_with_a_revision_and_read_per_project(
    stores: tuple[DeploymentStore, ServiceStates],
) -> None:
    _, states = stores
    states.note_event("shop", "prod", "carts", _seen("sh.keptn.event.x.finished", "2026-05-02"))
    running = ServiceState(
        project="shop",
        stage="prod",
        service="carts",
        deployed=Deployed(version="7", image="carts:7"),
        previous=Deployed(version="6"),
        revision=1,
    )
    assert states.save_deployed(running) is True
    assert states.save_deployed(running) is False  # revision 1 exists: expected 0
    state = states.get("shop", "prod", "carts")
    assert state is not None
    assert state.deployed == running.deployed
    assert state.previous == running.previous
    assert set(state.last_event_types) == {"sh.keptn.event.x.finished"}  # kept beside it
    states.save_deployed(
        ServiceState(
            project="shop", stage="dev", service="carts", deployed=Deployed(version="8"), revision=1
        )
    )
    listed = {(s.stage, s.service): s for s in states.of_project("shop")}
    assert set(listed) == {("prod", "carts"), ("dev", "carts")}
    assert states.of_project("other") == []


def test_a_deleted_projects_states_and_last_deployments_are_forgotten(
    stores: tuple[DeploymentStore, ServiceStates],
) -> None:
    deployments, states = stores
    for project in ("shop", "other"):
        states.save_deployed(
            ServiceState(
                project=project,
                stage="prod",
                service="carts",
                deployed=Deployed(version="7"),
                revision=1,
            )
        )
        deployments.set_last_deployment(_record().model_copy(update={"project": project}))
    states.note_event("shop", "dev", "carts", _seen("sh.keptn.event.x.finished", "2026-05-02"))
    assert sorted(states.forget_project("shop")) == [("dev", "carts"), ("prod", "carts")]
    deployments.forget_last_deployment("shop", "prod", "carts")
    assert states.of_project("shop") == []
    assert states.get("shop", "prod", "carts") is None
    assert deployments.last_deployment("shop", "prod", "carts") is None
    # Another project's are untouched, and forgetting again (a retried deletion) is harmless.
    assert [s.project for s in states.of_project("other")] == ["other"]
    assert deployments.last_deployment("other", "prod", "carts") is not None
    assert states.forget_project("shop") == []
    deployments.forget_last_deployment("shop", "prod", "carts")
