"""Deleting a project on moto, its state machines really executing: its active runs end
visibly and free their services, and a project created again under the name inherits nothing
(no run holding its services, nothing deployed, no baselines, no SLI provider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.bootstrap import container
from chalicelib.domain.evaluations import EvaluationRecord, MonitoringSettings
from chalicelib.domain.runs import RunState
from chalicelib.domain.service_state import Deployed, ServiceState
from tests.integration.api_helpers import b64
from tests.integration.sequencing_harness import Harness, project_flow

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: test
"""


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    with project_flow(SHIPYARD, task_wait_seconds=60, start_settle_seconds=0) as harness:
        yield harness


def recreate(flow: Harness) -> None:
    status, body = flow.api.call("POST", "/v1/project", {"name": "shop", "shipyard": b64(SHIPYARD)})
    assert status == 201, body
    assert flow.api.call("POST", "/v1/project/shop/service", {"serviceName": "cart"})[0] == 200


def service_body(flow: Harness) -> dict[str, Any]:
    status, body = flow.api.call("GET", "/v1/project/shop/stage/dev/service/cart")
    assert status == 200, body
    return dict(body)


def test_deleting_ends_active_runs_visibly_and_a_new_project_runs_at_once(
    flow: Harness,
) -> None:
    running = flow.trigger("dev", "delivery", id="first")
    deployment = flow.wait_task(running, "deployment")
    queued = flow.trigger("dev", "delivery", id="second")
    flow.pump(lambda: flow.events(queued))

    status, body = flow.api.call("DELETE", "/v1/project/shop")
    assert (status, body["message"]) == (
        200,
        "project 'shop' deleted; 2 active sequence(s) aborted; its events stay in the audit trail",
    )
    for context in (running, queued):
        finished = flow.wait_finished(context, "dev", "delivery")["data"]
        assert (finished["result"], finished["status"]) == ("pass", "aborted")
        assert finished["message"] == "sequence aborted: project 'shop' was deleted"
    assert {run.state for run in container().runs.runs_of_project("shop", 10)} == {RunState.ABORTED}
    # (moto 5.2.5 keeps an execution waiting on a task token RUNNING after StopExecution, so
    # the stop is not observable here; tests/unit/sequencing/test_control.py checks it.) A late
    # answer of the aborted run's tool changes nothing.
    flow.answer(deployment)
    flow.settle()
    assert flow.triggered(running, "test") == []
    assert flow.api.call("GET", "/v1/project/shop")[0] == 404
    assert flow.api.call("DELETE", "/v1/project/shop")[0] == 404

    # The same name again: its first trigger starts at once (no dead run holds the scope).
    recreate(flow)
    fresh = flow.trigger("dev", "delivery", id="third")
    assert flow.wait_task(fresh, "deployment")["data"]["project"] == "shop"
    status, open_tasks = flow.api.call(
        "GET", "/v1/event/triggered/sh.keptn.event.deployment.triggered?project=shop"
    )
    assert status == 200, open_tasks
    assert [e["shkeptncontext"] for e in open_tasks["events"]] == [fresh]


def test_a_project_created_again_inherits_nothing_of_what_ran_there(flow: Harness) -> None:
    deps = container()
    assert deps.service_states is not None
    assert deps.deployments is not None
    flow.answer(flow.wait_task(flow.trigger("dev", "delivery"), "deployment"))
    deps.service_states.save_deployed(
        ServiceState(
            project="shop",
            stage="dev",
            service="cart",
            deployed=Deployed(version="7", image="cart:7"),
            previous=Deployed(version="6", image="cart:6"),
            revision=1,
        )
    )
    record = deps.deployments
    from tests.integration.test_deployment_store_contract import _record

    record.set_last_deployment(_record().model_copy(update={"stage": "dev", "service": "cart"}))
    deps.evaluations.put_evaluation(
        EvaluationRecord(
            evaluation_id="e-1",
            event_id="f-1",
            keptn_context="c-1",
            project="shop",
            stage="dev",
            service="cart",
            time="2026-01-01T10:00:00.000Z",
            result="pass",
            status="succeeded",
            data={"result": "pass"},
        )
    )
    deps.evaluations.put_monitoring(
        "shop", MonitoringSettings(provider="prometheus", url="http://prom:9090")
    )
    assert service_body(flow)["deployedImage"] == "cart:7"

    assert flow.api.call("DELETE", "/v1/project/shop")[0] == 200
    flow.settle()
    recreate(flow)
    body = service_body(flow)
    assert "deployedImage" not in body
    assert body["lastEventTypes"] == {}  # also none of the events that arrived after the delete
    assert "previousDeployment" not in body
    assert deps.deployments.last_deployment("shop", "dev", "cart") is None
    assert deps.evaluations.history("shop", "dev", "cart", 10) == []
    assert deps.evaluations.get_monitoring("shop") is None
    status, evaluations = flow.api.call("GET", "/v1/project/shop/stage/dev/service/cart/evaluation")
    assert status == 200, evaluations
