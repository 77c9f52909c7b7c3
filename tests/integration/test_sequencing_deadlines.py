"""The answer deadline kept by the state machine, on moto with executing state machines: the
Task state's heartbeat runs out, the `Late` state waits on a new token, and the control plane
times the run out (no answer) or lets it go on (an answer came in time, Keptn's rule)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
        - name: bounded
          tasks:
            - name: deployment
              properties:
                timeout: 8s
                onTimeout: pass
            - name: test
"""
DEADLINE = 2  # seconds: the machines' heartbeat


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    with project_flow(SHIPYARD, task_wait_seconds=DEADLINE, start_settle_seconds=0) as harness:
        yield harness


def test_a_started_task_goes_on_past_its_deadline_and_its_finished_moves_the_run(
    flow: Harness,
) -> None:
    context = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(context, "deployment")
    flow.answer(deployment, finished=False)  # started in time: Keptn waits for it
    flow.settle(DEADLINE + 1.5)  # the heartbeat runs out; the execution waits on a new token
    assert flow.finished(context, "dev", "delivery") is None
    flow.answer(deployment, started=False)
    flow.answer(flow.wait_task(context, "test"))  # resumed through the new token
    finished = flow.wait_finished(context, "dev", "delivery")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("pass", "succeeded")


def test_a_task_nobody_answers_times_the_run_out_at_its_deadline(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    flow.wait_task(context, "deployment")
    finished = flow.pump(lambda: flow.finished(context, "dev", "delivery"), timeout=15)
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    assert finished["data"]["message"].startswith("sequence timed out while waiting for task")
    flow.settle()
    assert flow.triggered(context, "test") == []


def test_after_its_deadline_a_started_task_is_still_bounded_by_its_timeout(
    flow: Harness,
) -> None:
    context = flow.trigger("dev", "bounded")
    flow.answer(flow.wait_task(context, "deployment"), finished=False)
    # Past the deadline it waits on, until its own timeout (8 s): onTimeout pass goes on.
    test = flow.pump(lambda: flow.triggered(context, "test"), timeout=20)
    expired = [e for e in flow.events(context) if e["type"] == "sh.keptn.event.deployment.finished"]
    assert [e["data"]["result"] for e in expired] == ["pass"]
    assert expired[0]["data"]["message"].startswith("deployment expired")
    assert test
