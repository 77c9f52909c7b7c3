"""State the sequencer's tests start from: a run of `dev.delivery` and its tasks."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.messages import DispatchMessage
from chalicelib.domain.runs import CompletedTask, CurrentTask, Run, RunState, Scope, TaskRecord
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document

NOW = "2026-01-01T12:00:00.000Z"
LATER = "2026-01-01T12:10:00.000Z"
EARLIER = "2026-01-01T11:50:00.000Z"
WAIT = 600  # the deployment's default answer wait, seconds
# The shipyard of these tests (tests/unit/sequencing/flow.py drives the services with it too).
SHIPYARD_YAML = """\
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
            - name: approval
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: deployment
"""
SHIPYARD: Shipyard = parse_document(SHIPYARD_YAML, Shipyard, "shipyard.yaml")


def run(**changes: Any) -> Run:
    base = Run(
        id="run-1",
        scope=Scope(project="shop", stage="dev", service="cart"),
        sequence="delivery",
        keptn_context="ctx-1",
        triggered_id="trigger-1",
        git_commit="c0ffee",
        created="2026-01-01T11:00:00.000Z",
        input={"project": "shop", "stage": "dev", "service": "cart", "labels": {"team": "a"}},
        state=RunState.STARTED,
        execution_arn="arn:aws:states:eu-west-1:1:execution:m:run-1",
    )
    return base.model_copy(update=changes)


def with_current(base: Run, task: TaskRecord) -> Run:
    current = CurrentTask(index=task.index, name=task.name, triggered_id=task.triggered_id)
    return base.model_copy(update={"current": current})


def completed(name: str = "deployment", message: str = "deployed") -> CompletedTask:
    return CompletedTask(
        name=name,
        triggered_id=f"{name}-id",
        result="pass",
        status="succeeded",
        data={"message": message},
    )


def task(**changes: Any) -> TaskRecord:
    base = TaskRecord(
        triggered_id="task-1",
        run_id="run-1",
        index=0,
        name="deployment",
        token="token-1",
        event_type="sh.keptn.event.deployment.triggered",
        dispatched=EARLIER,
    )
    return base.model_copy(update=changes)


def dispatch_message(
    index: int = 0,
    name: str = "deployment",
    properties: str = "{}",
    answer_seconds: int | None = WAIT,
    token: str = "token-1",
) -> DispatchMessage:
    """A dispatch from a machine whose Task states bound the answer wait themselves (None: a
    machine compiled before, which leaves it to a delayed message)."""
    body: dict[str, Any] = {
        "kind": "dispatch",
        "taskToken": token,
        "execution": "arn:aws:states:eu-west-1:1:execution:m:run-1",
        "run": {"id": "run-1"},
        "index": index,
        "task": name,
        "properties": properties,
    }
    if answer_seconds is not None:
        body["answerSeconds"] = answer_seconds
    return DispatchMessage.model_validate(body)
