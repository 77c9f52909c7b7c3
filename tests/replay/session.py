"""A recording session: one scenario's emulated account, its handlers fed from their queues,
the logical clock, and what a user and a tool do (tests/replay/record.py explains why).

The handlers are the real ones (qm/local/delivery.py resolves them from infra/handlers.py), fed
one message at a time in the order of infra/handlers.py; Step Functions' status changes are
reported as the local runtime reports them (qm/local/executions.py). Every action (a trigger,
an answer, a control, a decision) waits until nothing more arrives, so the interleaving of
deliveries, and with it the recording, comes out the same each time.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.domain.events import KeptnEvent

STAGE = "test"
TOOL = "deploy-tool"
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
IDENTITY = "recorder"


class LogicalClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> None:
        self.now += timedelta(seconds=seconds)


class Session:
    """One scenario in one emulated account."""

    def __init__(self, shipyard: str, answer_seconds: int | None = None) -> None:
        import boto3
        from chalice.test import Client

        from app import app
        from chalicelib.bootstrap import build_aws_container, use_container
        from chalicelib.services.auth import issue_token
        from chalicelib.settings import Settings
        from qm.local.delivery import queued_handlers
        from qm.local.executions import ExecutionReporter
        from tests.integration.api_helpers import Api, b64
        from tests.replay.history import Tape, TapedBus, TapedTimers, TapedWorkflows

        self.tape = Tape()
        self.clock = LogicalClock()
        self.timers = TapedTimers(None, self.tape)
        # The answer deadline is the Task states' heartbeat, in real seconds. Runs start at
        # once, as the replay's services do (a settled start would be one more held message).
        wait = {"task_wait_seconds": answer_seconds} if answer_seconds else {}
        built = build_aws_container(Settings(stage=STAGE, start_settle_seconds=0, **wait))
        self.container = dataclasses.replace(
            built,
            bus=TapedBus(built.bus, self.tape),
            workflows=TapedWorkflows(built.workflows, self.tape),
            timers=self.timers,
            clock=self.clock,
        )
        use_container(self.container)
        self.sqs = boto3.client("sqs")
        self.handlers = queued_handlers(self.sqs, STAGE)
        self.control_queue = next(q.queue_url for q in self.handlers if q.spec.name == "finisher")
        self.stepfunctions = boto3.client("stepfunctions")
        self.events = boto3.client("events")
        self.reporter = ExecutionReporter(self.stepfunctions, self.events, STAGE)
        self._client = Client(app)
        self.api = Api(self._client, issue_token(self.container.tokens, IDENTITY))
        self.shipyard = shipyard
        status, body = self.api.call(
            "POST", "/v1/project", {"name": "shop", "shipyard": b64(shipyard)}
        )
        assert status == 201, body
        project = self.container.config.get_project("shop")
        assert project is not None
        self.head = project.head
        self._answers = 0

    # -- delivering --------------------------------------------------------------------------

    def deliver(self) -> int:
        """One round over every queue (in the order of infra/handlers.py)."""
        from qm.local.delivery import LambdaContext, handler_input
        from tests.replay.history import RECORDED

        handled = 0
        for queued in self.handlers:
            messages = self.sqs.receive_message(
                QueueUrl=queued.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            for message in messages:
                handled += 1
                event = handler_input(queued.spec, message)
                name = queued.spec.name
                if name in RECORDED:
                    self.clock.tick()
                    given = json.loads(message["Body"])
                    given = given["detail"] if queued.spec.pattern is not None else given
                    with self.tape.delivery(name, given, self._now()) as entry:
                        queued.handler(event, LambdaContext(name))
                    self._report_stops(entry)
                else:
                    queued.handler(event, LambdaContext(name))
                self.sqs.delete_message(
                    QueueUrl=queued.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return handled + self.reporter.report()

    def _report_stops(self, entry: dict[str, Any]) -> None:
        """Step Functions reports a stopped execution's end; moto's executions that wait for a
        task token do not stop, so the end is reported as AWS would report it."""
        from qm.local.executions import status_change_entry

        for effect in entry["effects"]:
            if "stop" not in effect:
                continue
            arn = effect["stop"]["execution"]
            described = self.stepfunctions.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                continue  # ended by itself: the reporter sends its end
            detail = {
                "executionArn": arn,
                "stateMachineArn": described["stateMachineArn"],
                "name": described["name"],
                "status": "ABORTED",
                "cause": effect["stop"]["cause"],
            }
            self.events.put_events(Entries=[status_change_entry(detail)])

    def fail_task(self, triggered: KeptnEvent, error: str, cause: str) -> None:
        """Something outside the control plane fails the task the execution waits on (an
        operator with the task's token): the execution fails."""
        task = self.container.runs.get_task(triggered.id)
        assert task is not None
        self.quiet()
        self.clock.tick()
        self.stepfunctions.send_task_failure(taskToken=task.token, error=error, cause=cause)

    def pump(self, until: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Deliver until `until()` holds (executions run on threads of their own in moto)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.deliver()
            found = until()
            if found:
                return found
            if not busy:
                time.sleep(0.05)
        raise AssertionError(f"condition not reached within {timeout} s")

    def quiet(self, seconds: float = 0.5) -> None:
        """Deliver until nothing more arrives for `seconds`."""
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < seconds:
            if self.deliver():
                quiet_since = time.monotonic()
            else:
                time.sleep(0.05)

    def next_deadline(self) -> None:
        """The clock reaches the earliest held deadline; it goes to the control queue."""
        self.quiet()
        assert self.timers.pending, "no deadline is held"
        self.timers.pending.sort(key=lambda held: held[0])
        due, message = self.timers.pending.pop(0)
        self.clock.now = max(self.clock.now, due)
        self.sqs.send_message(QueueUrl=self.control_queue, MessageBody=json.dumps(message))
        self.quiet()

    def end(self) -> None:
        """Every deadline still held comes (a task answered in time ignores its own)."""
        self.quiet()
        while self.timers.pending:
            self.next_deadline()

    # -- what users and tools do -------------------------------------------------------------

    def _now(self) -> str:
        from chalicelib.domain.events import format_time

        return format_time(self.clock())

    def post_event(self, event: dict[str, Any]) -> None:
        self.quiet()  # every action meets a settled system: recordings come out the same
        self.clock.tick()
        status, body = self.api.call("POST", "/v1/event", {"specversion": "1.0", **event})
        assert status == 200, body

    def trigger(self, n: int, stage: str = "dev", sequence: str = "delivery") -> str:
        context = f"00000000-0000-4000-8000-{n:012d}"
        self.post_event(
            {
                "id": f"trigger-{n}",
                "source": "ci",
                "type": f"sh.keptn.event.{stage}.{sequence}.triggered",
                "shkeptncontext": context,
                "data": {"project": "shop", "stage": stage, "service": "cart", "image": f"v{n}"},
            }
        )
        return context

    def answer(self, triggered: KeptnEvent, result: str = "pass", *, finished: bool = True) -> None:
        """A tool's `.started` and `.finished` for a `.triggered` event."""
        task = triggered.type.removeprefix("sh.keptn.event.").removesuffix(".triggered")
        scope = {key: triggered.data[key] for key in ("project", "stage", "service")}
        status = "errored" if result == "fail" else "succeeded"
        phases: list[tuple[str, dict[str, str]]] = [("started", {})]
        if finished:
            phases.append(("finished", {"result": result, "status": status}))
        for phase, extra in phases:
            self._answers += 1
            self.post_event(
                {
                    "id": f"answer-{self._answers}",
                    "source": TOOL,
                    "type": f"sh.keptn.event.{task}.{phase}",
                    "shkeptncontext": triggered.shkeptncontext,
                    "triggeredid": triggered.id,
                    "data": {**scope, **extra},
                }
            )

    def call(self, handler: str, path: str, body: dict[str, Any], given: dict[str, Any]) -> Any:
        """An API call recorded as a delivery: its input and what it answered."""
        self.quiet()
        self.clock.tick()
        with self.tape.delivery(handler, {**given, "identity": IDENTITY}, self._now()) as entry:
            status, answer = self.api.call("POST", path, body)
            entry["response"] = {"status": status, "body": answer}
        self._report_stops(entry)  # an abort stops the run's execution
        return answer

    def control(self, context: str, state: str, **extra: str) -> Any:
        body = {"state": state, **extra}
        path = f"/api/controlPlane/v1/sequence/shop/{context}/control"
        return self.call(
            "control", path, body, {"project": "shop", "context": context, "body": body}
        )

    def decide(self, triggered: KeptnEvent, decision: str, comment: str = "") -> Any:
        data = triggered.data
        triggered_id = triggered.triggeredid or triggered.id  # the approval.waiting's task
        body = {"decision": decision, "comment": comment}
        path = f"/v1/project/shop/stage/{data['stage']}/service/{data['service']}/approval/"
        given = {
            "scope": [data["project"], data["stage"], data["service"]],
            "triggeredId": triggered_id,
            "body": body,
        }
        return self.call("decide", path + triggered_id, body, given)

    # -- waiting -----------------------------------------------------------------------------

    def sent(self, event_type: str, count: int = 1, stage: str | None = None) -> KeptnEvent | None:
        """The `count`-th event of `event_type` published so far, or None."""
        wanted = [
            event
            for event in self.tape.published
            if event.type == f"sh.keptn.event.{event_type}"
            and (stage is None or event.data.get("stage") == stage)
        ]
        return wanted[count - 1] if len(wanted) >= count else None

    def wait(self, event_type: str, count: int = 1, stage: str | None = None) -> KeptnEvent:
        found: KeptnEvent = self.pump(lambda: self.sent(event_type, count, stage))
        return found

    # -- the recording -----------------------------------------------------------------------

    def history(self, name: str, description: str) -> dict[str, Any]:
        from tests.replay.history import Normaliser

        normalise = Normaliser()
        return {
            "scenario": name,
            "description": description,
            "recorded": "python -m tests.replay.record " + name,
            "deployment": STAGE,
            "taskWaitSeconds": self.container.settings.task_wait_seconds,
            "head": self.head,
            "shipyard": self.shipyard,
            "deliveries": [normalise.delivery(entry) for entry in self.tape.deliveries],
        }
