"""Sequencing services on fakes: a project with a shipyard, a fixed clock, and the moves of a
state machine (dispatch, finish) and of a tool (answers) as the handlers would receive them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ProjectRecord
from chalicelib.domain.runs import Run, Scope, task_triggered_id
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.ending import on_control
from chalicelib.services.sequencing.start import on_sequence_triggered
from tests.fakes import FakeConfigStore
from tests.fakes_sequencing import FakeSequencingStore
from tests.fakes_workflows import FakeTimers, FakeWorkflows, FlakyBus
from tests.unit.engine.sequencer_fixtures import SHIPYARD_YAML as SHIPYARD

CART = Scope(project="shop", stage="dev", service="cart")
TOOL = "deploy-tool"
WAIT = 600  # the deployment's answer deadline (SequencingDeps.task_wait_seconds below)


class Clock:
    """A fixed time that tests move on."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Flow:
    def __init__(self) -> None:
        self.bus = FlakyBus()
        self.config = FakeConfigStore()
        self.store = FakeSequencingStore()
        self.workflows = FakeWorkflows()
        self.timers = FakeTimers()
        self.clock = Clock()
        self.deps = SequencingDeps(
            runs=self.store,
            queues=self.store,
            pauses=self.store,
            tasks=self.store,
            config=self.config,
            bus=self.bus,
            workflows=self.workflows,
            timers=self.timers,
            clock=self.clock,
            deployment="test",
            dispatch_queue="qm-test-dispatch",
            control_queue="qm-test-control",
            task_wait_seconds=WAIT,
        )
        self.config.create_project(
            ProjectRecord(
                name="shop",
                shipyard=SHIPYARD,
                shipyard_version="spec.keptn.sh/0.2.3",
                stages=("dev", "prod"),
                creation_date="2026-01-01T00:00:00.000Z",
            ),
            "ops",
        )
        self._answers = 0

    # -- what arrives on the bus ---------------------------------------------------------------

    def trigger_event(
        self, n: int = 1, service: str = "cart", time: str | None = None, stage: str = "dev"
    ) -> KeptnEvent:
        return KeptnEvent(
            id=f"trigger-{n}",
            source="ci",
            type=f"sh.keptn.event.{stage}.delivery.triggered",
            time=time or f"2026-01-01T11:00:0{n}.000Z",
            shkeptncontext=f"ctx-{n}",
            data={"project": "shop", "stage": stage, "service": service, "image": f"v{n}"},
        )

    def trigger(self, n: int = 1, **kwargs: Any) -> KeptnEvent:
        event = self.trigger_event(n, **kwargs)
        on_sequence_triggered(event, self.deps)
        return event

    def answer_event(
        self, triggered_id: str, task: str, phase: str, result: str = "pass"
    ) -> KeptnEvent:
        self._answers += 1
        data: dict[str, Any] = {"project": "shop", "stage": "dev", "service": "cart"}
        if phase == "finished":
            data.update(result=result, status="succeeded" if result != "fail" else "errored")
        return KeptnEvent(
            id=f"answer-{self._answers}",
            source=TOOL,
            type=f"sh.keptn.event.{task}.{phase}",
            time=self.deps.now(),
            shkeptncontext="ctx",
            triggeredid=triggered_id,
            data=data,
        )

    def answer(self, triggered_id: str, task: str = "deployment", result: str = "pass") -> None:
        for phase in ("started", "finished"):
            on_task_answer(self.answer_event(triggered_id, task, phase, result), self.deps)

    # -- what the state machine sends --------------------------------------------------------

    def dispatch_message(
        self, run_id: str, index: int, task: str, answer_seconds: int | None = WAIT
    ) -> dict[str, Any]:
        """What the Task state sends (its machine bounding the answer wait itself; with
        `answer_seconds` None, a machine compiled before, which leaves it to the control
        plane's delayed message)."""
        run = self.run(run_id)
        assert run.execution_arn, f"run {run_id} has no execution"
        message: dict[str, Any] = {
            "kind": "dispatch",
            "execution": run.execution_arn,
            "run": {"id": run_id},
            "index": index,
            "task": task,
            "properties": "{}",
            "taskToken": self.workflows.wait_for_task(run.execution_arn),
        }
        if answer_seconds is not None:
            message["answerSeconds"] = answer_seconds
        return message

    def dispatch(
        self,
        run_id: str,
        index: int = 0,
        task: str = "deployment",
        answer_seconds: int | None = WAIT,
    ) -> str:
        message = self.dispatch_message(run_id, index, task, answer_seconds)
        triggered_id = on_dispatch(message, self.deps)
        assert triggered_id is not None
        return triggered_id

    def late(self, run_id: str, index: int = 0, task: str = "deployment") -> str:
        """The Task state's heartbeat ran out: the machine waits on a new token (returned)."""
        run = self.run(run_id)
        assert run.execution_arn
        stored = self.store.get_task(task_triggered_id(run_id, index))
        for expired in stored.tokens if stored else []:
            self.workflows.waiting.pop(expired, None)  # Step Functions refuses them now
        token = self.workflows.wait_for_task(run.execution_arn)
        message = {
            "kind": "late",
            "taskToken": token,
            "execution": run.execution_arn,
            "run": {"id": run_id},
            "index": index,
            "task": task,
        }
        on_control(message, self.deps)
        return token

    def deadlines(self) -> int:
        """Deliver the control-queue messages whose time has come (answer deadlines) to the
        finisher, as the queue's delivery delay does; how many were delivered."""
        from chalicelib.services.sequencing.ending import on_control

        due = self.timers.due_now(self.clock())
        for message in due:
            on_control(dict(message), self.deps)
        return len(due)

    def finish(self, run_id: str) -> None:
        """The state machine's end: the last result it went on with."""
        run = self.run(run_id)
        assert run.execution_arn
        outputs = self.workflows.executions[run.execution_arn].outputs
        on_control(self.finish_message(run_id, outputs[-1] if outputs else {}), self.deps)

    def finish_message(self, run_id: str, last: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "finished", "run": {"id": run_id}, "last": last}

    # -- what a user sees --------------------------------------------------------------------

    def run(self, run_id: str) -> Run:
        run = self.store.get_run(run_id)
        assert run is not None, f"no run {run_id}"
        return run

    def run_of(self, trigger: KeptnEvent) -> Run:
        runs = self.store.runs_of_context(trigger.shkeptncontext)
        assert len(runs) == 1, runs
        return runs[0]

    def types(self) -> list[str]:
        return [e.type.removeprefix("sh.keptn.event.") for e in self.bus.published]

    def published(self, event_type: str) -> list[KeptnEvent]:
        return [e for e in self.bus.published if e.type == f"sh.keptn.event.{event_type}"]
