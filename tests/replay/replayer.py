"""Replaying a recorded history (tests/replay/history.py) through the sequencing services on
fakes: each recorded input, in order, goes to the service entry point its handler calls, with
the clock at the delivery's recorded time; what the services do is taped as in the recording.

Only the services' entry points are called (on_sequence_triggered, on_task_answer,
on_dispatch, on_control, on_execution_status, control_context, decide), so the replay follows
whatever those entry points are built on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.domain.events import KeptnEvent, parse_time
from chalicelib.domain.projects import ProjectRecord
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.errors import QuartermasterError
from chalicelib.services.approvals.decisions import decide
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.control import control_context, parse_control
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.ending import on_control
from chalicelib.services.sequencing.machines import deploy_state_machines
from chalicelib.services.sequencing.reconcile import on_execution_status
from chalicelib.services.sequencing.start import on_sequence_triggered
from tests.fakes import FakeBus, FakeConfigStore
from tests.fakes_sequencing import FakeSequencingStore
from tests.fakes_workflows import FakeWorkflows
from tests.replay.history import Normaliser, Tape, TapedBus, TapedTimers, TapedWorkflows

PROJECT = "shop"
COMPARED = ("handler", "time", "effects", "response")


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Replay:
    """The services on fakes, set up as the recording's account was (its project and shipyard,
    its deployment name and default answer deadline)."""

    def __init__(self, history: dict[str, Any]) -> None:
        self.history = history
        self.tape = Tape()
        self.clock = FixedClock(parse_time(history["deliveries"][0]["time"]))
        self.store = FakeSequencingStore()
        self.workflows = FakeWorkflows()
        self.config = FakeConfigStore()
        deployment = str(history["deployment"])
        self.deps = SequencingDeps(
            runs=self.store,
            queues=self.store,
            pauses=self.store,
            tasks=self.store,
            config=self.config,
            bus=TapedBus(FakeBus(), self.tape),
            workflows=TapedWorkflows(self.workflows, self.tape),
            timers=TapedTimers(None, self.tape),
            clock=self.clock,
            deployment=deployment,
            dispatch_queue=f"quartermaster-{deployment}-dispatch",
            control_queue=f"quartermaster-{deployment}-control",
            task_wait_seconds=int(history["taskWaitSeconds"]),
        )
        shipyard = parse_document(history["shipyard"], Shipyard, "shipyard.yaml")
        created = self.config.create_project(
            ProjectRecord(
                name=PROJECT,
                shipyard=history["shipyard"],
                shipyard_version=shipyard.api_version,
                stages=tuple(stage.name for stage in shipyard.spec.stages),
                creation_date=history["deliveries"][0]["time"],
            ),
            "replay",
        )
        assert created.head == history["head"], (
            f"the recording's runs are pinned to commit {history['head']}, the fake project's "
            f"head is {created.head}: record again (tests/replay/record.py)"
        )
        # As creating the project does: its machines exist before any trigger.
        deploy_state_machines(PROJECT, shipyard, self.deps)
        self._normalise = Normaliser()

    def play(self, recorded: dict[str, Any]) -> dict[str, Any]:
        """Feed one recorded delivery; the replayed one, shaped as `compared(recorded)`."""
        handler, given = recorded["handler"], recorded["input"]
        self.clock.now = parse_time(recorded["time"])
        with self.tape.delivery(handler, given, recorded["time"]) as entry:
            response = HANDLERS[handler](self, given)
            if response is not None:
                entry["response"] = response
        return compared(self._normalise(entry))

    # -- one per handler ---------------------------------------------------------------------

    def sequencer(self, given: dict[str, Any]) -> None:
        on_sequence_triggered(KeptnEvent.model_validate(given), self.deps)

    def task_events(self, given: dict[str, Any]) -> None:
        on_task_answer(KeptnEvent.model_validate(given), self.deps)

    def dispatcher(self, given: dict[str, Any]) -> None:
        # The execution that sent the message waits on its token (its recorded name).
        run = self.store.get_run(str(given["run"]["id"]))
        if run is not None and run.execution_arn:
            self.workflows.waiting[str(given["taskToken"])] = run.execution_arn
        on_dispatch(given, self.deps)

    def finisher(self, given: dict[str, Any]) -> None:
        if given.get("kind") == "late":
            # The execution waits on the late message's token now, no longer on the task's.
            run = self.store.get_run(str(given["run"]["id"]))
            if run is not None and run.execution_arn:
                self.workflows.waiting[str(given["taskToken"])] = run.execution_arn
        on_control(given, self.deps)

    def reconciler(self, given: dict[str, Any]) -> None:
        # The execution ended as the status change says: it waits for nothing any more.
        run = self.store.get_run(str(given.get("name", "")))
        execution = self.workflows.executions.get(run.execution_arn or "") if run else None
        if execution is not None:
            execution.status = str(given["status"])
        on_execution_status(given, self.deps)

    def control(self, given: dict[str, Any]) -> dict[str, Any]:
        body = given["body"]

        def call() -> dict[str, Any]:
            message = control_context(
                given["project"],
                given["context"],
                parse_control(body.get("state")),
                body.get("stage") or None,
                self.deps,
                who=given["identity"],
                reason=body.get("reason", ""),
            )
            return {"message": message}

        return answered(call)

    def decide(self, given: dict[str, Any]) -> dict[str, Any]:
        project, stage, service = given["scope"]
        return answered(
            lambda: decide(
                (project, stage, service),
                given["triggeredId"],
                given["body"],
                given["identity"],
                self.deps,
            )
        )


HANDLERS: dict[str, Callable[[Replay, dict[str, Any]], dict[str, Any] | None]] = {
    "sequencer": Replay.sequencer,
    "task-events": Replay.task_events,
    "dispatcher": Replay.dispatcher,
    "finisher": Replay.finisher,
    "reconciler": Replay.reconciler,
    "control": Replay.control,
    "decide": Replay.decide,
}


def answered(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What the API answers for a service call: 200 and its result, or the error's status
    and Keptn's error shape (chalicelib/entrypoints/http_support.py)."""
    try:
        return {"status": 200, "body": call()}
    except QuartermasterError as error:
        return {
            "status": error.status_code,
            "body": {"code": error.status_code, "message": error.message},
        }


def compared(entry: dict[str, Any]) -> dict[str, Any]:
    """The part of a delivery a replay must reproduce (its input is what the replay fed)."""
    return {key: entry[key] for key in COMPARED if key in entry}
