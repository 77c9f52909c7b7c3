"""The states of one task in a compiled sequence (chalicelib/engine/asl.py has the execution
contract they follow): its optional Wait, the Task that dispatches it and waits on a token,
the `Late` state that waits on after its answer deadline, its timeout's states and its Choice.

Pure: plain dicts, and the checks of the task properties they are made from.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.durations import parse_go_duration
from chalicelib.domain.shipyard import Task

DISPATCH_RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
SEND_RESOURCE = "arn:aws:states:::sqs:sendMessage"
FINISH = "Finish"
MAX_NAME = 80
# A Standard execution lives at most one year: a longer wait or timeout could never end.
MAX_SECONDS = 365 * 24 * 3600
TIMEOUT_PROPERTY = "timeout"
ON_TIMEOUT_PROPERTY = "onTimeout"
ON_TIMEOUT_RESULTS: dict[str, dict[str, Any]] = {
    "pass": {"result": "pass", "status": "succeeded", "timedOut": True},
    "fail": {"result": "fail", "status": "errored", "timedOut": True},
}
DEFAULT_ON_TIMEOUT = "fail"

# A send to a control-plane queue that failed (throttled, the service briefly unavailable) is
# tried again, about a minute in all, before the execution fails (and its run ends errored, see
# services/sequencing/reconcile.py). Only the queue service's own errors: a task failed by
# SendTaskFailure must not be dispatched a second time under a new token.
SEND_RETRY: list[dict[str, Any]] = [
    {
        "ErrorEquals": ["SQS.AmazonSQSException", "SQS.SdkClientException"],
        "IntervalSeconds": 1,
        "MaxAttempts": 6,
        "BackoffRate": 2,
    }
]


@dataclass(frozen=True)
class Step:
    """One task of the sequence with its properties already checked."""

    index: int
    name: str
    wait_seconds: int | None
    timeout_seconds: int | None
    on_timeout: str
    # The task's shipyard properties as JSON text: as a string, no key of theirs can be taken
    # for a JSONPath (`.$`) by Step Functions, and the dispatcher needs no shipyard read.
    properties: str = "{}"

    def state(self, kind: str) -> str:
        """`<kind> <index> <task>`: the index keeps names unique when a task name repeats."""
        label = "".join(ch if ch.isprintable() else "_" for ch in self.name)
        return f"{kind} {self.index} {label}"[:MAX_NAME]

    @property
    def entry(self) -> str:
        """The first state of this task: its Wait when it has one."""
        return self.state("Wait" if self.wait_seconds is not None else "Task")


def step_of(sequence: str, index: int, task: Task) -> Step:
    where = f"sequence '{sequence}', task '{task.name}' (tasks[{index}])"
    wait = None
    if task.triggered_after is not None:
        try:
            delay = parse_go_duration(task.triggered_after)
        except ValueError as exc:
            raise ValueError(f"{where}: triggeredAfter: {exc}") from None
        wait = _whole_seconds(delay)
        if not 0 <= wait <= MAX_SECONDS:
            raise ValueError(
                f"{where}: triggeredAfter '{task.triggered_after}' must be between 0s and "
                "365 days (the longest a sequence can run)"
            )
        # A zero delay needs no state: the task is dispatched at once either way.
        wait = wait or None
    timeout = _timeout(where, task.properties.get(TIMEOUT_PROPERTY))
    on_timeout = task.properties.get(ON_TIMEOUT_PROPERTY, DEFAULT_ON_TIMEOUT)
    if on_timeout not in ON_TIMEOUT_RESULTS:
        raise ValueError(
            f"{where}: properties.{ON_TIMEOUT_PROPERTY} '{on_timeout}' must be pass or fail "
            f"(default {DEFAULT_ON_TIMEOUT})"
        )
    properties = json.dumps(task.properties or {}, sort_keys=True, separators=(",", ":"))
    return Step(index, task.name, wait, timeout, on_timeout, properties)


def _timeout(where: str, value: Any) -> int | None:
    if value is None:
        return None
    prefix = f"{where}: properties.{TIMEOUT_PROPERTY} '{value}'"
    if not isinstance(value, str):
        raise ValueError(f"{prefix} must be a Go duration such as 30m or 24h")
    try:
        seconds = parse_go_duration(value)
    except ValueError as exc:
        raise ValueError(f"{where}: properties.{TIMEOUT_PROPERTY}: {exc}") from None
    if seconds <= 0:
        raise ValueError(f"{prefix} must be longer than zero")
    whole = _whole_seconds(seconds)
    if whole > MAX_SECONDS:
        raise ValueError(f"{prefix} is longer than a sequence can run (365 days)")
    return whole


def _whole_seconds(seconds: float) -> int:
    """Seconds rounded up; float noise (1.1h is 3960.0000000000005) does not add a second."""
    nearest = round(seconds)
    if abs(seconds - nearest) <= 1e-12 * max(1.0, seconds):
        return nearest
    return math.ceil(seconds)


def task_states(
    step: Step, following: str, queues: tuple[str, str], answer_seconds: int | None
) -> dict[str, Any]:
    dispatch, control = queues
    states: dict[str, Any] = {}
    check = step.state("Check")
    if step.wait_seconds is not None:
        states[step.state("Wait")] = {
            "Type": "Wait",
            "Seconds": step.wait_seconds,
            "Next": step.state("Task"),
        }
    body: dict[str, Any] = {
        "kind": "dispatch",
        "taskToken.$": "$$.Task.Token",
        "execution.$": "$$.Execution.Id",
        "run.$": "$.run",
        "index": step.index,
        "task": step.name,
        "properties": step.properties,
    }
    task = _wait_for(dispatch, body, check)
    states[step.state("Task")] = task
    catchers: list[dict[str, Any]] = []
    # The answer deadline as the Task's heartbeat (no heartbeat is ever sent), if it comes
    # before the task's own timeout; Step Functions wants a heartbeat shorter than a timeout.
    heartbeat = answer_seconds is not None and (
        step.timeout_seconds is None or answer_seconds < step.timeout_seconds
    )
    if answer_seconds is not None:
        body["answerSeconds"] = answer_seconds if heartbeat else 0
    if heartbeat:
        assert answer_seconds is not None
        late = step.state("Late")
        task["HeartbeatSeconds"] = answer_seconds
        # A heartbeat timeout is also a States.Timeout (moto reports only the latter); with a
        # heartbeat shorter than the timeout, this state's timeout is always the heartbeat's.
        catchers.append(
            {
                "ErrorEquals": ["States.HeartbeatTimeout", "States.Timeout"],
                "ResultPath": None,
                "Next": late,
            }
        )
        waiting = _wait_for(
            control,
            {
                "kind": "late",
                "taskToken.$": "$$.Task.Token",
                "execution.$": "$$.Execution.Id",
                "run.$": "$.run",
                "index": step.index,
                "task": step.name,
            },
            check,
        )
        states[late] = waiting
        if step.timeout_seconds is not None:
            # The rest of the task's own timeout.
            waiting["TimeoutSeconds"] = step.timeout_seconds - answer_seconds
            waiting["Catch"] = [_timeout_catcher(step)]
    if step.timeout_seconds is not None:
        if not heartbeat:
            catchers.append(_timeout_catcher(step))
        task["TimeoutSeconds"] = step.timeout_seconds
        states.update(_timeout_states(step, following, control))
    if catchers:
        task["Catch"] = catchers
    states[check] = {
        "Type": "Choice",
        "Choices": [
            {
                "Or": [_is("$.last.result", "fail"), _is("$.last.status", "errored")],
                "Next": FINISH,
            }
        ],
        "Default": following,
    }
    return states


def _wait_for(queue_url: str, body: dict[str, Any], next_state: str) -> dict[str, Any]:
    """A Task that sends `body` with its token and waits for the result (kept in `$.last`)."""
    return {
        "Type": "Task",
        "Resource": DISPATCH_RESOURCE,
        "Parameters": {"QueueUrl": queue_url, "MessageBody": body},
        "ResultPath": "$.last",
        "Retry": SEND_RETRY,
        "Next": next_state,
    }


def _timeout_catcher(step: Step) -> dict[str, Any]:
    # ResultPath null: the error object is not needed, `$.last` is set by `Timed out`.
    return {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": step.state("Timeout")}


def _timeout_states(step: Step, following: str, control: str) -> dict[str, Any]:
    """The task's own timeout: tell the control plane, then go on as `onTimeout` says."""
    notify, timed_out = step.state("Timeout"), step.state("Timed out")
    body = {
        "kind": "timeout",
        "execution.$": "$$.Execution.Id",
        "run.$": "$.run",
        "index": step.index,
        "task": step.name,
        # So the control plane can record the expiry with its reason.
        "timeoutSeconds": step.timeout_seconds,
        "onTimeout": step.on_timeout,
    }
    return {
        notify: send_state(control, body, next_state=timed_out),
        timed_out: {
            "Type": "Pass",
            "Result": dict(ON_TIMEOUT_RESULTS[step.on_timeout]),
            "ResultPath": "$.last",
            "Next": following if step.on_timeout == "pass" else FINISH,
        },
    }


def _is(path: str, value: str) -> dict[str, Any]:
    """`path == value`, false (not a runtime error) when the field is missing or not a string."""
    return {
        "And": [
            {"Variable": path, "IsPresent": True},
            {"Variable": path, "IsString": True},
            {"Variable": path, "StringEquals": value},
        ]
    }


def send_state(
    queue_url: str, body: dict[str, Any], *, next_state: str | None = None, end: bool = False
) -> dict[str, Any]:
    """A plain SQS send whose answer is dropped, so the state data passes through unchanged."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": SEND_RESOURCE,
        "Parameters": {"QueueUrl": queue_url, "MessageBody": body},
        "ResultPath": None,
        "Retry": SEND_RETRY,
    }
    if end:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state
