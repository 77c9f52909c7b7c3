"""Ending runs: `<stage>.<sequence>.finished`, the next queued run, chaining, and timeouts.

A run ends when its state machine reports the last result (normally, or after a task's own
`timeout`), or when a task got no answer by its deadline (reference 3.5): each dispatched task
schedules a message to the control queue for its deadline, so nothing runs while nothing waits.
Timed-out runs never chain; finished ones chain on their result and last task (1.4).
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from chalicelib.domain.effects import (
    AbandonTask,
    Effect,
    FreeScope,
    Publish,
    StopExecution,
    outbox_entries,
)
from chalicelib.domain.event_types import Phase, sequence_event_type, task_event_type
from chalicelib.domain.events import parse_time
from chalicelib.domain.runs import FINAL_STATES, Run, RunState, Scope
from chalicelib.engine.chaining import follow_ups
from chalicelib.engine.payload import CompletedTask, next_stage_data
from chalicelib.observability import count
from chalicelib.services.sequencing.common import (
    SequencingDeps,
    build_event,
    scope_data,
    shipyard_at,
    stable_id,
)
from chalicelib.services.sequencing.effects import DEADLINE, settle_run, settle_task
from chalicelib.services.sequencing.start import START, start_next

log = logging.getLogger("quartermaster.sequencing")
NO_ANSWER = (
    "sequence timed out while waiting for task {type} to receive a correlating "
    ".started or .finished event"
)


def on_control(message: dict[str, Any], deps: SequencingDeps) -> None:
    """A message from a state machine: `finished` (the run's end) or `timeout` (a task's
    `timeout` property expired; the machine goes on or ends as `onTimeout` says)."""
    if message.get("kind") == DEADLINE:
        on_deadline(message, deps)
        return
    if message.get("kind") == START:
        start_next(Scope.model_validate(message["scope"]), deps)
        return
    run = deps.runs.get_run(str(message["run"]["id"]))
    if run is None:
        return
    if message.get("kind") == "timeout":
        _expire_current_task(run, message, deps)
        return
    if run.state in FINAL_STATES:
        settle_run(run.id, run.outbox, deps)  # a redelivery: finish what its end left undone
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


def on_deadline(message: dict[str, Any], deps: SequencingDeps) -> bool:
    """A task's answer deadline came (Keptn's TASK_STARTED_WAIT_DURATION): a task still open
    with no `.started` or `.finished` ends its run timed out; True when it did."""
    task = deps.tasks.get_task(str(message["triggeredId"]))
    if task is None or not task.open or task.held or task.started or task.finished:
        return False  # answered, closed or held (a resumed task gets a deadline of its own)
    due, now = parse_time(str(message["due"])), deps.clock()
    if due > (now if now.tzinfo else now.replace(tzinfo=UTC)):
        deps.timers.schedule(message, due)  # longer than one delay: the rest of it
        return False
    run = deps.runs.get_run(task.run_id)
    if run is None:
        deps.tasks.abandon_task(task.triggered_id)
        return False
    reason = NO_ANSWER.format(type=task.event_type)
    if not end_run(run, RunState.TIMED_OUT, "fail", "errored", reason, deps, stop="timed out"):
        return False
    # A metric costs by the hour it is written; the alarm reads no data as fine.
    count("SequencesTimedOut")
    return True


def end_run(
    run: Run,
    state: RunState,
    result: str,
    status: str,
    message: str,
    deps: SequencingDeps,
    stop: str | None = None,
    chain: bool = True,
) -> bool:
    """Record the end together with what follows from it (its `.finished`, closing its open
    task, stopping its execution with the cause `stop`, freeing its scope so the next run
    starts, chaining when it finished and `chain` allows), then carry that out. False when
    the run had already ended (aborted meanwhile, or a redelivery): whatever that end left
    undone is done now."""
    effects: list[Effect] = [Publish(event=_finished_event(run, result, status, message, deps))]
    if (state is not RunState.FINISHED or not chain) and run.current is not None:
        effects.append(AbandonTask(triggered_id=run.current.triggered_id))
    if stop and run.execution_arn:
        effects.append(StopExecution(execution_arn=run.execution_arn, cause=stop))
    effects.append(FreeScope(scope=run.scope, run_id=run.id))
    if state is RunState.FINISHED and chain:
        effects.extend(Publish(event=event) for event in _chained_events(run, result, deps))
    stamp = deps.now()
    if not deps.runs.end_run(run.id, state, result, status, effects, stamp):
        ended = deps.runs.get_run(run.id)
        if ended is not None:
            settle_run(ended.id, ended.outbox, deps)
        return False
    # Aborted runs end with result "pass" (Keptn's value): count them by their state instead.
    count("SequencesFinished", result=result if state is RunState.FINISHED else str(state))
    settle_run(run.id, outbox_entries(effects, stamp), deps)
    return True


def _finished_event(
    run: Run, result: str, status: str, message: str, deps: SequencingDeps
) -> dict[str, Any]:
    data = {**scope_data(run), "result": result, "status": status}
    if message:
        data["message"] = message
    return build_event(
        deps,
        event_id=stable_id(run.id, "finished"),
        event_type=sequence_event_type(run.scope.stage, run.sequence, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=run.triggered_id,
        gitcommitid=run.git_commit or None,
        data=data,
    ).to_wire()


def _chained_events(run: Run, result: str, deps: SequencingDeps) -> list[dict[str, Any]]:
    # `run` was read after its last task completed (the finish message comes after that).
    shipyard = shipyard_at(deps.config, run.scope.project, run.git_commit or None)
    last_task = run.completed[-1].name if run.completed else None
    completed = [
        CompletedTask(name=t.name, result=t.result, status=t.status, data=t.data)
        for t in run.completed
    ]
    scope = (run.scope.project, run.scope.stage, run.scope.service)
    return [
        build_event(
            deps,
            event_id=stable_id(run.id, "chain", follow_up.stage, follow_up.sequence),
            event_type=sequence_event_type(follow_up.stage, follow_up.sequence, Phase.TRIGGERED),
            context=run.keptn_context,
            # No gitcommitid: the next stage runs with the newest configuration, as in Keptn.
            data=next_stage_data(run.input, scope, completed, follow_up.stage),
        ).to_wire()
        for follow_up in follow_ups(shipyard, run.scope.stage, run.sequence, result, last_task)
    ]


def _expire_current_task(run: Run, message: dict[str, Any], deps: SequencingDeps) -> None:
    """An expired task (its `timeout` property) ends with its own `.finished`, saying why and
    what follows, written with the task's close."""
    if run.current is None:
        return
    task = deps.tasks.get_task(run.current.triggered_id)
    if task is None:
        return
    if not task.open:
        settle_task(task.triggered_id, task.outbox, deps)  # closed before: finish that
        return
    goes_on = message.get("onTimeout") == "pass"
    seconds = message.get("timeoutSeconds")
    reason = (
        f"{task.name} expired: no answer within {seconds} s "
        f"(onTimeout: {'pass, the sequence goes on' if goes_on else 'fail, the sequence stops'})"
    )
    expiry = build_event(
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
    effects: list[Effect] = [Publish(event=expiry.to_wire())]
    stamp = deps.now()
    if deps.tasks.abandon_task(task.triggered_id, effects, stamp):
        settle_task(task.triggered_id, outbox_entries(effects, stamp), deps)
        return
    closed = deps.tasks.get_task(task.triggered_id)
    if closed is not None:
        settle_task(closed.triggered_id, closed.outbox, deps)


def _last_message(run: Run) -> str:
    message = run.completed[-1].data.get("message") if run.completed else None
    return message if isinstance(message, str) else ""
