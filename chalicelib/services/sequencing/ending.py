"""Ending runs: `<stage>.<sequence>.finished`, the next queued run, chaining, and timeouts.

A run ends when its state machine reports the last result (normally, or after a task's own
`timeout`), or when the watcher finds a task that got no answer in time (reference 3.5).
Timed-out runs never chain; finished ones chain on their result and last task (1.4).
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.event_types import Phase, sequence_event_type, task_event_type
from chalicelib.domain.runs import Run, RunState, TaskRecord
from chalicelib.engine.chaining import follow_ups
from chalicelib.engine.payload import CompletedTask, next_stage_data
from chalicelib.observability import count
from chalicelib.services.sequencing.common import (
    SequencingDeps,
    publish,
    scope_data,
    shipyard_at,
    stable_id,
)
from chalicelib.services.sequencing.start import start_next

log = logging.getLogger("quartermaster.sequencing")
NO_ANSWER = (
    "sequence timed out while waiting for task {type} to receive a correlating "
    ".started or .finished event"
)


def on_control(message: dict[str, Any], deps: SequencingDeps) -> None:
    """A message from a state machine: `finished` (the run's end) or `timeout` (a task's
    `timeout` property expired; the machine goes on or ends as `onTimeout` says)."""
    run = deps.runs.get_run(str(message["run"]["id"]))
    if run is None:
        return
    if message.get("kind") == "timeout":
        task = _close_current_task(run, deps)
        if task is not None:
            _record_expiry(run, task, message, deps)
        return
    last = message.get("last") or {}
    result, status = str(last.get("result", "pass")), str(last.get("status", "succeeded"))
    if last.get("timedOut"):
        name = run.current.name if run.current else "?"
        end_run(
            run,
            RunState.TIMED_OUT,
            "fail",
            "errored",
            f"task {name} did not finish within its timeout",
            deps,
        )
        return
    end_run(run, RunState.FINISHED, result, status, _last_message(run), deps)


def on_watch(deps: SequencingDeps) -> int:
    """Time out runs whose current task got no `.started` or `.finished` in time."""
    ended = 0
    for task in deps.runs.unanswered_before(deps.now()):
        run = deps.runs.get_run(task.run_id)
        deps.runs.abandon_task(task.triggered_id)
        if run is None:
            continue
        if end_run(
            run, RunState.TIMED_OUT, "fail", "errored", NO_ANSWER.format(type=task.event_type), deps
        ):
            ended += 1
            if run.execution_arn:
                deps.workflows.stop(run.execution_arn, "timed out")
    if ended:  # a metric costs by the hour it is written; the alarm reads no data as fine
        count("SequencesTimedOut", ended)
    return ended


def end_run(
    run: Run, state: RunState, result: str, status: str, message: str, deps: SequencingDeps
) -> bool:
    """Record the end, send `<stage>.<sequence>.finished`, free the scope, chain if finished.
    False when the run had already ended (aborted meanwhile, or a redelivered message)."""
    if not deps.runs.set_state(run.id, state, result=result, status=status):
        return False
    # Aborted runs end with result "pass" (Keptn's value): count them by their state instead.
    count("SequencesFinished", result=result if state is RunState.FINISHED else str(state))
    data = {**scope_data(run), "result": result, "status": status}
    if message:
        data["message"] = message
    publish(
        deps,
        event_id=stable_id(run.id, "finished"),
        event_type=sequence_event_type(run.scope.stage, run.sequence, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=run.triggered_id,
        gitcommitid=run.git_commit or None,
        data=data,
    )
    deps.runs.release(run.scope, run.id)
    start_next(run.scope, deps)
    if state is RunState.FINISHED:
        _chain(run, result, deps)
    return True


def _chain(run: Run, result: str, deps: SequencingDeps) -> None:
    # `run` was read after its last task completed (the finish message comes after that).
    shipyard = shipyard_at(deps.config, run.scope.project, run.git_commit or None)
    last_task = run.completed[-1].name if run.completed else None
    completed = [
        CompletedTask(name=t.name, result=t.result, status=t.status, data=t.data)
        for t in run.completed
    ]
    scope = (run.scope.project, run.scope.stage, run.scope.service)
    for follow_up in follow_ups(shipyard, run.scope.stage, run.sequence, result, last_task):
        publish(
            deps,
            event_id=stable_id(run.id, "chain", follow_up.stage, follow_up.sequence),
            event_type=sequence_event_type(follow_up.stage, follow_up.sequence, Phase.TRIGGERED),
            context=run.keptn_context,
            # No gitcommitid: the next stage runs with the newest configuration, as in Keptn.
            data=next_stage_data(run.input, scope, completed, follow_up.stage),
        )


def _record_expiry(
    run: Run, task: TaskRecord, message: dict[str, Any], deps: SequencingDeps
) -> None:
    """An expired task ends with its own `.finished`, saying why and what follows."""
    goes_on = message.get("onTimeout") == "pass"
    seconds = message.get("timeoutSeconds")
    reason = (
        f"{task.name} expired: no answer within {seconds} s "
        f"(onTimeout: {'pass, the sequence goes on' if goes_on else 'fail, the sequence stops'})"
    )
    publish(
        deps,
        event_id=stable_id(task.triggered_id, "expired"),
        event_type=task_event_type(task.name, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=task.triggered_id,
        gitcommitid=run.git_commit or None,
        data={
            **scope_data(run),
            "result": "pass" if goes_on else "fail",
            "status": "succeeded" if goes_on else "errored",
            "message": reason,
        },
    )


def _last_message(run: Run) -> str:
    message = run.completed[-1].data.get("message") if run.completed else None
    return message if isinstance(message, str) else ""


def _close_current_task(run: Run, deps: SequencingDeps) -> TaskRecord | None:
    if run.current is None:
        return None
    task = deps.runs.get_task(run.current.triggered_id)
    if task is not None:
        deps.runs.abandon_task(task.triggered_id)
    return task
