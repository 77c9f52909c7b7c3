"""The task executor: image and process subscriptions' events, delivered by their rules.

Each rule of such a subscription sends `{"subscription": <id>, "project", "event"}` to the
executor's queue. The subscription is read by id (an immutable record: a task dispatched under
an older uniform keeps the executor it was sent to) and run:

- `image`: `.started`, then an execution of the container machine (named after the event and
  the subscription, so a redelivery starts nothing new), which answers `.finished`;
- `process` (the local runtime only): `.started`, the command on the local machine, and
  `.finished` when it exits.

Only a task's `.triggered` event is answered; any other subscribed event just runs. What cannot
run here (no ECS cluster, no process runner, an `envFromEvent` path the event lacks) ends the
task `fail`/`errored` with the reason.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type, task_event_type
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.executors import ExecutorKind
from chalicelib.domain.uniform_state import StoredSubscription
from chalicelib.engine.container_tasks import (
    CONTAINERS_UNAVAILABLE,
    MAX_OVERRIDES_BYTES,
    ContainerRuntime,
    EventPathMissing,
    job_environment,
    overrides_size,
    run_input,
    said_duration,
    task_family,
)
from chalicelib.ports import (
    EventBus,
    ProcessExit,
    ProcessRun,
    ProcessRunner,
    UniformStore,
    Workflows,
)
from chalicelib.services.sequencing.common import answer_task, stable_id

log = logging.getLogger("quartermaster-handlers.uniform")
OUTPUT_KEPT = 1500  # characters of a process's output quoted in its .finished message
EXECUTIONS = uuid.UUID("0d4f3c8e-4b0e-4c47-9a55-1f0f5a3c9e21")


@dataclass(frozen=True)
class ExecutorDeps:
    bus: EventBus
    uniforms: UniformStore
    machines: Workflows | None
    runtime: Callable[[], ContainerRuntime | None]  # None: no ECS cluster configured
    processes: ProcessRunner | None
    container_machine: str
    stage: str
    bus_name: str
    clock: Callable[[], datetime]

    def now(self) -> str:
        return format_time(self.clock())


@dataclass(frozen=True)
class Delivery:
    """One subscribed event on its way to its executor."""

    event: KeptnEvent
    stored: StoredSubscription
    task: str | None  # the task to answer; None for events that are not a task's .triggered

    @property
    def source(self) -> str:
        return f"quartermaster/{self.stored.subscription.owner}"

    @property
    def scope(self) -> dict[str, Any]:
        return {key: self.event.data.get(key) for key in ("project", "stage", "service")}


def on_subscribed_event(message: dict[str, Any], deps: ExecutorDeps) -> None:
    event = KeptnEvent.model_validate(message.get("event"))
    parsed = parse_event_type(event.type)
    task = parsed.name if parsed.kind is TypeKind.TASK and parsed.phase == Phase.TRIGGERED else None
    stored = deps.uniforms.get_subscription(str(message.get("subscription")))
    if stored is None:
        log.error(
            "subscription %s is not stored; event %s not run", message.get("subscription"), event.id
        )
        return
    delivery = Delivery(event, stored, task)
    kind = stored.subscription.executor.kind
    if kind is ExecutorKind.IMAGE:
        _run_container(delivery, deps)
    elif kind is ExecutorKind.PROCESS:
        _run_process(delivery, deps)
    else:
        log.error(
            "subscription %s has kind %s: not the task executor's", stored.subscription.id, kind
        )


def _answer(delivery: Delivery, phase: str, data: dict[str, Any], deps: ExecutorDeps) -> None:
    if delivery.task is not None:
        answer_task(
            deps, delivery.event, delivery.task, phase, {**delivery.scope, **data}, delivery.source
        )


def _refuse(delivery: Delivery, message: str, deps: ExecutorDeps) -> None:
    log.warning("%s: %s", delivery.source, message)
    _answer(delivery, "started", {"status": "succeeded"}, deps)
    _answer(delivery, "finished", {"status": "errored", "result": "fail", "message": message}, deps)


def _environment(delivery: Delivery, deps: ExecutorDeps) -> list[tuple[str, str]] | None:
    executor = delivery.stored.subscription.executor
    try:
        return job_environment(executor, delivery.event.to_wire())
    except EventPathMissing as error:
        _refuse(delivery, f"envFromEvent of '{delivery.stored.subscription.owner}': {error}", deps)
        return None


def _run_container(delivery: Delivery, deps: ExecutorDeps) -> None:
    subscription = delivery.stored.subscription
    runtime = deps.runtime()
    if runtime is None or deps.machines is None:
        _refuse(delivery, f"service '{subscription.owner}': {CONTAINERS_UNAVAILABLE}", deps)
        return
    environment = _environment(delivery, deps)
    if environment is None:
        return
    size = overrides_size(environment)
    if size > MAX_OVERRIDES_BYTES:
        _refuse(
            delivery,
            f"the environment of '{subscription.owner}' is {size} bytes; ECS passes at most "
            f"{MAX_OVERRIDES_BYTES} to a container: pass less of the event in envFromEvent",
            deps,
        )
        return
    answer = None
    if delivery.task is not None:
        _answer(delivery, "started", {"status": "succeeded"}, deps)
        answer = _finished_envelope(delivery)
    run = run_input(
        executor=subscription.executor,
        owner=subscription.owner,
        family=task_family(deps.stage, subscription.executor),
        runtime=runtime,
        environment=environment,
        bus=deps.bus_name,
        scope=delivery.scope,
        answer=answer,
    )
    deps.machines.start(deps.container_machine, _run_key(delivery), run)


def _run_key(delivery: Delivery) -> str:
    """One run per event and executor: the container machine's execution name (a redelivery
    starts nothing new), or the process's key."""
    event = delivery.event
    key = f"{delivery.stored.subscription.id}/{event.source}/{event.id}"
    return uuid.uuid5(EXECUTIONS, key).hex


def _finished_envelope(delivery: Delivery) -> dict[str, Any]:
    """The `.finished` the container machine completes with `time` and `data`."""
    assert delivery.task is not None
    event = delivery.event
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": stable_id(event.id, delivery.source, "finished"),
        "source": delivery.source,
        "type": task_event_type(delivery.task, "finished"),
        "datacontenttype": "application/json",
        "shkeptncontext": event.shkeptncontext,
        "triggeredid": event.id,
    }
    if event.gitcommitid:
        envelope["gitcommitid"] = event.gitcommitid
    return envelope


def _run_process(delivery: Delivery, deps: ExecutorDeps) -> None:
    subscription = delivery.stored.subscription
    executor = subscription.executor
    if deps.processes is None:
        _refuse(
            delivery,
            f"service '{subscription.owner}' is kind process, which runs commands on the local "
            "runtime's machine only; on AWS use kind image",
            deps,
        )
        return
    environment = _environment(delivery, deps)
    if environment is None:
        return
    _answer(delivery, "started", {"status": "succeeded"}, deps)
    command = (*executor.command, *executor.args)
    run = ProcessRun(
        command=command,
        environment=tuple(environment),
        timeout_seconds=executor.max_run_seconds,
    )
    deps.processes.start(
        _run_key(delivery), run, lambda ended: _process_ended(delivery, run, ended, deps)
    )


def _process_ended(
    delivery: Delivery, run: ProcessRun, ended: ProcessExit, deps: ExecutorDeps
) -> None:
    said = " ".join(run.command)
    tail = ended.output[-OUTPUT_KEPT:].strip()
    if ended.problem:
        status, result, message = "errored", "fail", f"{said} could not start: {ended.problem}"
    elif ended.timed_out:
        limit = said_duration(run.timeout_seconds)
        status, result, message = (
            "errored",
            "fail",
            f"{said} ran longer than its maxRunTime {limit} and was stopped",
        )
    else:
        status = "succeeded"
        result = "pass" if ended.exit_code == 0 else "fail"
        message = f"{said} exited with code {ended.exit_code}"
    if tail:
        message += f"; it printed: {tail}"
    _answer(delivery, "finished", {"status": status, "result": result, "message": message}, deps)
