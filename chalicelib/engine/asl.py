"""Shipyard sequences compiled to Amazon States Language (one Standard state machine each).

Pure: definitions are plain dicts; the Step Functions adapter creates the machines. The
states of one task are built by chalicelib/engine/asl_states.py.

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
import re
from typing import Any

from chalicelib.domain.shipyard import BUILTIN_EVALUATION, EVALUATION, Sequence, Shipyard
from chalicelib.engine.asl_states import (
    DISPATCH_RESOURCE,
    FINISH,
    MAX_NAME,
    SEND_RESOURCE,
    SEND_RETRY,
    send_state,
    step_of,
    task_states,
)

__all__ = [
    "DISPATCH_RESOURCE",
    "FINISH",
    "MAX_NAME",
    "SEND_RESOURCE",
    "SEND_RETRY",
    "compile_project",
    "compile_sequence",
    "definition_json",
    "state_machine_name",
]

_PLAIN = re.compile(r"[A-Za-z0-9]+")
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9-]")
_HASH_LENGTH = 10
_VERSION_LENGTH = 12


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
    steps = [step_of(sequence.name, index, task) for index, task in enumerate(sequence.tasks)]
    states: dict[str, Any] = {}
    queues = (dispatch_queue_url, control_queue_url)
    for position, step in enumerate(steps):
        following = steps[position + 1].entry if position + 1 < len(steps) else FINISH
        states.update(task_states(step, following, queues, answer_seconds))
    states[FINISH] = send_state(
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
