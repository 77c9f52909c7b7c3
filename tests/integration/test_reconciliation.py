"""Runs whose Step Functions execution ended without them (stopped, failed, timed out)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from chalicelib.bootstrap import build_aws_container
from chalicelib.domain.runs import Run
from chalicelib.settings import Settings
from infra.handlers import queue_name
from qm.local.executions import ExecutionReporter, status_change_entry
from tests.integration.conftest import STAGE
from tests.integration.sequencing_harness import Harness, project_flow

SHIPYARD = """\
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
            - name: deployment
    - name: staging
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
              selector:
                match:
                  result: fail
          tasks:
            - name: deployment
"""


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    with project_flow(SHIPYARD) as harness:
        yield harness


def _run_of(context: str) -> Run:
    runs = build_aws_container(Settings(stage=STAGE)).runs.runs_of_context(context)
    assert len(runs) == 1
    assert runs[0].execution_arn
    return runs[0]


def test_a_failed_execution_ends_its_run_and_the_next_one_starts(flow: Harness) -> None:
    first = flow.trigger("dev", "delivery")
    second = flow.trigger("dev", "delivery")
    waiting = flow.wait_task(first, "deployment")
    # Something outside the control plane fails the waiting task: the execution fails.
    store = build_aws_container(Settings(stage=STAGE)).runs
    current = _run_of(first).current
    assert current is not None
    task = store.get_task(current.triggered_id)
    assert task is not None
    stepfunctions = boto3.client("stepfunctions")
    stepfunctions.send_task_failure(taskToken=task.token, error="Broken", cause="by hand")
    reporter = ExecutionReporter(stepfunctions, boto3.client("events"), STAGE)
    flow.pump(reporter.report)  # moto ends the execution on a thread of its own
    assert reporter.report() == 0  # each end is reported once

    finished = flow.wait_finished(first, "dev", "delivery")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    assert finished["data"]["message"].startswith("the sequence's state machine execution failed")
    assert "Broken" in finished["data"]["message"]
    # The scope is free: the queued run starts; no chaining on an execution's failure.
    flow.wait_task(second, "deployment")
    flow.answer(waiting)  # a late answer for the ended run changes nothing
    flow.settle()
    assert flow.finished(first, "staging", "delivery") is None
    assert [e["type"] for e in flow.events(first)].count(
        "sh.keptn.event.dev.delivery.finished"
    ) == 1


def test_an_aborted_run_is_not_ended_twice_by_its_stopped_execution(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    flow.wait_task(context, "deployment")
    code, body = flow.api.call("POST", f"/v1/sequence/shop/{context}/control", {"state": "abort"})
    assert code == 200, body
    flow.wait_finished(context, "dev", "delivery")
    # Stopping the execution makes Step Functions report it (moto's waiting executions do not
    # stop, so the report is sent as AWS would send it).
    run = _run_of(context)
    assert run.execution_arn
    machine = run.execution_arn.rsplit(":", 1)[0].replace(":execution:", ":stateMachine:")
    detail = {
        "executionArn": run.execution_arn,
        "stateMachineArn": machine,
        "name": run.id,
        "status": "ABORTED",
    }
    boto3.client("events").put_events(Entries=[status_change_entry(detail)])
    sqs = boto3.client("sqs")
    queue = sqs.get_queue_url(QueueName=queue_name(STAGE, "reconciler"))["QueueUrl"]
    waiting = sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert waiting["Attributes"]["ApproximateNumberOfMessages"] == "1"  # the rule took it
    finished = [e for e in flow.events(context) if e["type"].endswith("dev.delivery.finished")]
    assert [e["data"]["status"] for e in finished] == ["aborted"]
