"""Shipyard sequences compiled to Amazon States Language (one Standard state machine each).

Pure: definitions are plain dicts; the Step Functions adapter creates the machines.

Execution contract (the sequencer and the task-event handler are written against it):

- input `{"run": {...}}`; `run` is opaque here and travels unchanged in every message;
- for task i: an optional Wait (`triggeredAfter`), then a Task that sends
  `{"kind": "dispatch", "taskToken", "execution", "run", "index": i, "task": name,
  "properties": "<the task's properties as JSON text>"}` to the
  dispatch queue and waits for `SendTaskSuccess` with `{"result", "status", ...}` (kept in
  `$.last`), then a Choice: `fail` or `errored` ends the sequence, anything else goes on;
- with an answer deadline (`answer_seconds`, Keptn's TASK_STARTED_WAIT_DURATION) shorter than
  the task's `properties.timeout`, the Task has that heartbeat and the dispatch says
  `"answerSeconds"`: a task with no result by then sends `{"kind": "late", "taskToken", ...}`
  to the control queue and waits on that new token (for the rest of its `timeout`), with
  `{"result", "status", ...}` as from the dispatch; the control plane ends the run when the
  task got no answer, and keeps the token otherwise. `"answerSeconds": 0`: the task's own
  timeout comes first;
- a task with `properties.timeout` that gets no answer in time sends
  `{"kind": "timeout", ...}` to the control queue and continues as `properties.onTimeout` says
  (`fail`, the default, ends the sequence; `pass` goes on to the next task);
- at the end, `{"kind": "finished", "execution", "run", "last"}` goes to the control queue;
- every send to a queue is retried on the queue service's errors (`SEND_RETRY`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.durations import parse_go_duration
from chalicelib.domain.shipyard import BUILTIN_EVALUATION, EVALUATION, Sequence, Shipyard, Task

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

_PLAIN = re.compile(r"[A-Za-z0-9]+")
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9-]")
_HASH_LENGTH = 10
_VERSION_LENGTH = 12


@dataclass(frozen=True)
class _Step:
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


def compile_sequence(
    sequence: Sequence,
    *,
    dispatch_queue_url: str,
    control_queue_url: str,
    answer_seconds: int | None = None,
) -> dict[str, Any]:
    """The ASL definition that runs `sequence` under the execution contract above, its tasks
    bounded by `answer_seconds` for a first answer (None: the control plane's delayed
    messages bound them, as for machines compiled before).

    Raises ValueError for a sequence without tasks, and for a task whose `triggeredAfter`,
    `properties.timeout` or `properties.onTimeout` cannot be run.
    """
    if not sequence.tasks:
        raise ValueError(f"sequence '{sequence.name}' does not contain any tasks")
    steps = [_step(sequence.name, index, task) for index, task in enumerate(sequence.tasks)]
    states: dict[str, Any] = {}
    queues = (dispatch_queue_url, control_queue_url)
    for position, step in enumerate(steps):
        following = steps[position + 1].entry if position + 1 < len(steps) else FINISH
        states.update(_task_states(step, following, queues, answer_seconds))
    states[FINISH] = _send(
        control_queue_url,
        {
            "kind": "finished",
            "execution.$": "$$.Execution.Id",
            "run.$": "$.run",
            "last.$": "$.last",
        },
        end=True,
    )
    names = ", ".join(step.name for step in steps)
    return {
        "Comment": f"Quartermaster sequence '{sequence.name}': {names}"[:1000],
        "QueryLanguage": "JSONPath",
        "StartAt": steps[0].entry,
        "States": states,
    }


def compile_project(
    shipyard: Shipyard,
    *,
    dispatch_queue_url: str,
    control_queue_url: str,
    answer_seconds: int | None = None,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Definitions keyed by (stage, sequence), in file order, for every sequence with tasks.

    A stage that defines no `evaluation` sequence gets the built-in one (reference 1.7), so
    `<stage>.evaluation.triggered` works in every stage.
    """
    definitions: dict[tuple[str, str], dict[str, Any]] = {}
    for stage in shipyard.stages:
        sequences = [sequence for sequence in stage.sequences if sequence.tasks]
        if EVALUATION not in stage.sequence_names():
            sequences.append(BUILTIN_EVALUATION)
        for sequence in sequences:
            definitions[(stage.name, sequence.name)] = compile_sequence(
                sequence,
                dispatch_queue_url=dispatch_queue_url,
                control_queue_url=control_queue_url,
                answer_seconds=answer_seconds,
            )
    return definitions


def definition_json(definition: dict[str, Any]) -> str:
    """The definition as sent to Step Functions: sorted keys, so equal input is equal bytes."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def state_machine_name(
    deployment: str,
    project: str,
    stage: str,
    sequence: str,
    definition: dict[str, Any] | None = None,
) -> str:
    """`qm-<deployment>-<project>-<stage>-<sequence>`, valid as a Step Functions name; with a
    `definition`, followed by `_v<hash of the definition>`: each version of a sequence is a
    machine of its own, so a run keeps the machine of the commit it was triggered with while
    later commits deploy theirs.

    Joined with '-', names whose parts contain '-' are ambiguous ('a-b' + 'c' and 'a' + 'b-c'),
    so whenever a part is not plain letters and digits, or the name is too long, a hash of the
    exact parts is appended after '_'. Plain names never contain '_', so they cannot meet a
    hashed one; the version suffix has a length of its own, so it cannot meet either.
    """
    version = ""
    if definition is not None:
        digest = hashlib.sha256(definition_json(definition).encode()).hexdigest()
        version = f"_v{digest[:_VERSION_LENGTH]}"
    room = MAX_NAME - len(version)
    parts = (deployment, project, stage, sequence)
    readable = "-".join(["qm", *(_NOT_NAME_CHAR.sub("_", part) for part in parts)])
    if all(_PLAIN.fullmatch(part) for part in parts) and len(readable) <= room:
        return readable + version
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:_HASH_LENGTH]
    head = readable[: room - _HASH_LENGTH - 1].rstrip("-_")
    return f"{head}_{digest}{version}"


def _step(sequence: str, index: int, task: Task) -> _Step:
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
    return _Step(index, task.name, wait, timeout, on_timeout, properties)


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


def _task_states(
    step: _Step, following: str, queues: tuple[str, str], answer_seconds: int | None
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


def _timeout_catcher(step: _Step) -> dict[str, Any]:
    # ResultPath null: the error object is not needed, `$.last` is set by `Timed out`.
    return {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": step.state("Timeout")}


def _timeout_states(step: _Step, following: str, control: str) -> dict[str, Any]:
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
        notify: _send(control, body, next_state=timed_out),
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


def _send(
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
