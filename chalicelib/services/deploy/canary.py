"""A canary's execution and the steps it asks for (the deploy queue): shift the weight, evaluate
the new version through the lighthouse, promote or roll back, and answer the task at the end.

Each step answers the execution with `SendTaskSuccess` (`{"status": "errored"}` when the step
could not be done, so the machine rolls back). A redelivered message repeats its step: setting a
weight or a routing twice is harmless, an evaluation is requested under the same id, and a
used task token is refused by Step Functions.

A step's evaluation is an `evaluation.triggered` of its own in the run's context (so it shows in
the run's timeline and the service's evaluation history), marked `evaluation.canary`; the
lighthouse stores it as history but never as a baseline of later evaluations, and compares it
with the service's baselines like any quality gate (docs/deployment-targets.md).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain.deployment_records import (
    DeploymentRecord,
    EvaluationWaiter,
    Phase,
    StepRecord,
)
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.sli_queries import parse_keptn_time
from chalicelib.engine.deploy import reports
from chalicelib.engine.deploy.canary_machine import (
    canary_execution_name,
    canary_machine_name,
    compile_canary,
)
from chalicelib.engine.sequencing.events import stable_id
from chalicelib.errors import QuartermasterError
from chalicelib.services.deploy.common import (
    SOURCE,
    DeployDeps,
    conclude,
    send_finished,
    target_of,
    update,
)
from chalicelib.services.sequencing.common import publish

log = logging.getLogger("quartermaster-handlers.deploy")
EVALUATION_TRIGGERED = "sh.keptn.event.evaluation.triggered"
MIN_WINDOW = timedelta(minutes=1)
# A step done; `result` too, so the machine's checks find both fields they look at.
DONE: dict[str, Any] = {"result": Result.PASS, "status": Status.SUCCEEDED}


class StepMessage(BaseModel):
    """A message of the canary's execution (chalicelib/engine/deploy/canary_machine.py)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    kind: str
    deployment: str
    step: int = 0
    weight: float = 0.0
    task_token: str = Field(default="", alias="taskToken")
    last: dict[str, Any] = Field(default_factory=dict)


def start(record: DeploymentRecord, deps: DeployDeps) -> None:
    """Start the canary's execution (its machine deployed first); starting it again is a no-op."""
    definition = compile_canary(
        record.strategy.plan,
        deploy_queue_url=deps.workflows.queue_url(deps.deploy_queue),
        evaluation_timeout=deps.evaluation_timeout_seconds,
    )
    machine = canary_machine_name(deps.deployment, definition)
    deps.workflows.ensure_state_machine(machine, definition)
    deps.workflows.start(machine, canary_execution_name(record.id), {"deployment": record.id})


def on_step_message(body: dict[str, Any], deps: DeployDeps) -> None:
    try:
        message = StepMessage.model_validate(body)
    except ValidationError:
        log.error("not a canary message; dropped: %s", str(body)[:500])
        return
    record = deps.deployments.get(message.deployment)
    if record is None:
        log.error("canary message for unknown deployment %s; dropped", message.deployment)
        return
    if message.kind == "finished":
        _finished(record, message.last, deps)
        return
    if record.phase is Phase.FINISHED:  # ended meanwhile (its execution failed and was reported)
        deps.workflows.complete_task(
            message.task_token, {"result": Result.FAIL, "status": Status.ERRORED}
        )
        return
    try:
        answer = _step(record, message, deps)
    except QuartermasterError as error:
        if error.retryable:
            raise
        answer = {"status": Status.ERRORED, "result": Result.FAIL, "message": error.message}
    if answer is not None:
        deps.workflows.complete_task(message.task_token, answer)


def _step(
    record: DeploymentRecord, message: StepMessage, deps: DeployDeps
) -> dict[str, Any] | None:
    version = record.version or ""
    if message.kind == "shift":
        target_of(record, deps).shift(version, message.weight)
        _note_shift(record, message, deps)
        return DONE
    if message.kind == "evaluate":
        _request_evaluation(record, message, deps)
        return None  # answered when the evaluation finishes
    if message.kind == "promote":
        target_of(record, deps).promote(version)
        return {**DONE, "promoted": True}
    if message.kind == "rollback":
        previous = record.previous
        if previous is not None:
            target_of(record, deps).rollback(previous)
        return DONE
    log.error("canary message of unknown kind %s; dropped", message.kind)
    return {
        "result": Result.FAIL,
        "status": Status.ERRORED,
        "message": f"unknown step {message.kind}",
    }


def _note_shift(record: DeploymentRecord, message: StepMessage, deps: DeployDeps) -> None:
    def note(current: DeploymentRecord) -> DeploymentRecord | None:
        step = current.step(message.step)
        if step is not None and step.shifted:
            return None  # a redelivery: the bake started when the weight was first set
        return current.with_step(
            StepRecord(index=message.step, weight=message.weight, shifted=deps.now())
        )

    update(deps, record, note)


def evaluation_id(record: DeploymentRecord, step: int) -> str:
    return stable_id(record.id, "canary-evaluation", str(step))


def _request_evaluation(record: DeploymentRecord, message: StepMessage, deps: DeployDeps) -> None:
    step = record.step(message.step)
    end = deps.clock()
    shifted = parse_keptn_time(step.shifted) if step is not None and step.shifted else end
    # The bake time, but at least the lighthouse's shortest window (one minute): the SLIs select
    # the new version's own metrics, which it had none of before its weight was set.
    start = min(shifted, end - MIN_WINDOW)
    triggered_id = evaluation_id(record, message.step)
    # Kept before asking, so the answer always finds the token, however fast it comes.
    deps.deployments.put_waiter(
        EvaluationWaiter(
            evaluation_id=triggered_id,
            deployment_id=record.id,
            step=message.step,
            token=message.task_token,
        )
    )
    endpoints = target_of(record, deps).endpoints(record.version)
    publish(
        deps,
        event_id=triggered_id,
        event_type=EVALUATION_TRIGGERED,
        context=record.keptn_context,
        gitcommitid=record.gitcommitid,
        source=SOURCE,
        data={
            **record.scope_data(),
            "evaluation": {
                "start": format_time(start),
                "end": format_time(end),
                "canary": {
                    "step": message.step,
                    "steps": len(record.strategy.plan) + 1,
                    "weight": message.weight,
                    "version": record.version,
                    "deployment": record.id,
                },
            },
            **reports.deployment_block(record, endpoints),
        },
    )


def on_evaluation_finished(event: KeptnEvent, deps: DeployDeps) -> bool:
    """A canary step's evaluation came back: record it and resume the execution with its
    result. False for every other evaluation."""
    if not event.triggeredid:
        return False
    waiter = deps.deployments.get_waiter(event.triggeredid)
    if waiter is None:
        return False
    record = deps.deployments.get(waiter.deployment_id)
    if record is None:
        return False
    planned = (
        record.strategy.plan[waiter.step - 1] if waiter.step <= len(record.strategy.plan) else None
    )
    weight = planned.weight if planned is not None else 0.0
    shifted = step.shifted if (step := record.step(waiter.step)) is not None else ""

    def note(current: DeploymentRecord) -> DeploymentRecord | None:
        outcome = reports.step_outcome(waiter.step, weight, event.data, shifted)
        return current.with_step(outcome.model_copy(update={"evaluation_id": event.triggeredid}))

    update(deps, record, note)
    deps.workflows.complete_task(
        waiter.token,
        {
            "result": str(event.data.get("result") or Result.PASS),
            "status": str(event.data.get("status") or Status.SUCCEEDED),
            "step": waiter.step,
        },
    )
    return True


def _finished(record: DeploymentRecord, last: dict[str, Any], deps: DeployDeps) -> None:
    if record.phase is Phase.FINISHED:
        send_finished(record, deps)
        return
    endpoints = target_of(record, deps).endpoints(None)
    conclude(record, reports.canary_finish(record, last, endpoints), deps)


def on_execution_failed(detail: dict[str, Any], deps: DeployDeps) -> bool:
    """A canary's execution failed, timed out or was stopped: restore what ran before and end
    the task errored with the reason. False for executions that are not canaries."""
    import json

    try:
        given = json.loads(str(detail.get("input") or "{}"))
    except ValueError:
        return False
    run = given.get("run") if isinstance(given, dict) else None
    deployment_id = run.get("deployment") if isinstance(run, dict) else None
    if not isinstance(deployment_id, str):
        return False
    record = deps.deployments.get(deployment_id)
    if record is None or record.phase is Phase.FINISHED:
        return record is not None
    status = str(detail.get("status") or "")
    cause = " ".join(str(detail.get(key) or "") for key in ("error", "cause")).strip()
    message = f"the canary's execution ended {status}" + (f" ({cause[:500]})" if cause else "")
    if record.previous is not None:
        try:
            restored = target_of(record, deps).rollback(record.previous)
        except QuartermasterError as error:
            if error.retryable:
                raise
            message += f"; restoring what ran before failed: {error.message}"
        else:
            message += f"; {restored.describe()}"
    conclude(record, reports.errored(message), deps)
    return True
