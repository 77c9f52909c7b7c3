"""A run executes the state machine of the shipyard commit it was triggered with."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from tests.integration.api_helpers import b64
from tests.integration.sequencing_harness import Harness, project_flow

VERSION = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
{tasks}
"""
ONE_TASK = VERSION.format(tasks="            - name: deployment")
TWO_TASKS = VERSION.format(tasks="            - name: deployment\n            - name: test")


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    with project_flow(ONE_TASK) as harness:
        yield harness


def _machines() -> set[str]:
    listed = boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    return {machine["name"] for machine in listed if "-dev-delivery_v" in machine["name"]}


def test_a_queued_run_keeps_the_shipyard_it_was_triggered_with(flow: Harness) -> None:
    first = flow.trigger("dev", "delivery")
    queued = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(first, "deployment")
    flow.settle()  # both triggers taken: the second waits in the queue
    assert len(_machines()) == 1
    code, body = flow.api.call("PUT", "/v1/project", {"name": "shop", "shipyard": b64(TWO_TASKS)})
    assert code == 201, body
    assert len(_machines()) == 2  # the new version's machine, deployed with its commit

    flow.answer(deployment)
    flow.wait_finished(first, "dev", "delivery")
    flow.answer(flow.wait_task(queued, "deployment"))
    flow.wait_finished(queued, "dev", "delivery")
    assert flow.triggered(queued, "test") == []  # one task, as its commit says

    later = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(later, "deployment"))
    flow.answer(flow.wait_task(later, "test"))  # the new commit's two tasks
    assert flow.wait_finished(later, "dev", "delivery")["data"]["result"] == "pass"


def test_a_run_whose_machine_is_missing_deploys_its_own_commit(flow: Harness) -> None:
    stepfunctions = boto3.client("stepfunctions")
    for name in _machines():
        arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
        stepfunctions.delete_state_machine(stateMachineArn=arn)
    context = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(context, "deployment"))
    assert flow.wait_finished(context, "dev", "delivery")["data"]["result"] == "pass"
    assert len(_machines()) == 1
