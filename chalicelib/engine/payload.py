"""Payload propagation between the tasks and stages of a run (reference 2.5).

Decides the `data` of every task `.triggered` event and of a chained sequence's `.triggered`
event from the sequence's input payload and the merged `.finished` data of the tasks completed so
far. Pure: inputs are never mutated and every result is a fresh deep copy, so a caller may store
or change it freely.

The merge follows Keptn's `Merge(older, newer)` including its quirks (lists concatenated newer
items first), with one documented deviation: for two numbers or two booleans the newer value wins.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

SCOPE_KEYS = ("project", "stage", "service")


class FinishedTask(Protocol):
    """What the payload needs of a completed task (chalicelib/domain/runs.py CompletedTask):
    its aggregated `result`/`status` (reference 3.3) and the merge of the data of all its
    `.finished` events, in arrival order (reference 1.5 step 5)."""

    @property
    def result(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


def merge(older: Any, newer: Any) -> Any:
    """Keptn's payload merge of two JSON values; `newer` is the value that arrived later.

    * map + map: key-wise, recursively; keys only in `newer` are added;
    * list + list: concatenation, `newer`'s items first, then `older`'s (Keptn QUIRK);
    * `older` is None: `newer`; `newer` is None: `older` (a null is not a value to take);
    * number + number, bool + bool: `newer` (DEVIATION: Keptn keeps `older`, which freezes the
      remediation `actionIndex` at its first value; we follow the intent and let it advance);
    * anything else (strings, a type mismatch): `newer`.

    Returns a new value; neither argument is modified, nothing returned is shared with them.
    """
    if older is None:
        return copy.deepcopy(newer)
    if newer is None:
        return copy.deepcopy(older)
    if isinstance(older, Mapping) and isinstance(newer, Mapping):
        merged: dict[str, Any] = {key: copy.deepcopy(value) for key, value in older.items()}
        for key, value in newer.items():
            merged[key] = merge(older[key], value) if key in older else copy.deepcopy(value)
        return merged
    if isinstance(older, list) and isinstance(newer, list):
        # Keptn QUIRK kept: both lists survive (e.g. deploymentURIsPublic of the trigger and of
        # deployment.finished), the newer items in front.
        return [*copy.deepcopy(newer), *copy.deepcopy(older)]
    if _is_number(older) and _is_number(newer):
        # DEVIATION from Keptn (it keeps the older number): a task must be able to update a
        # counter such as get-action.actionIndex 0 -> 1 -> 2 (reference 9, item 13).
        return newer
    if isinstance(older, bool) and isinstance(newer, bool):
        # DEVIATION from Keptn (it keeps the older bool), for the same reason as numbers.
        return newer
    # Strings, and a value whose type changed: the newer value wins, as in Keptn.
    return copy.deepcopy(newer)


def merge_finished(datas: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The merged data of all `.finished` events of one task, given in arrival order."""
    merged: dict[str, Any] = {}
    for data in datas:
        merged = merge(merged, data)
    return merged


def task_trigger_data(
    sequence_input: Mapping[str, Any],
    scope: tuple[str, str, str],
    completed: Sequence[FinishedTask],
    task_name: str,
    task_properties: Mapping[str, Any],
) -> dict[str, Any]:
    """The `data` of `sh.keptn.event.<task_name>.triggered` (reference 2.5, steps 1-6).

    `sequence_input` is the data of the sequence's `<stage>.<sequence>.triggered` event,
    `scope` the execution's (project, stage, service), `completed` the tasks completed so far in
    this execution (oldest first), `task_properties` the task's shipyard `properties`.
    """
    data = _accumulated(sequence_input, scope, completed)
    if task_properties:
        # Step 5: properties arrive under the task's name (data.deployment.deploymentstrategy).
        # A task without properties adds no key: the shipyard model cannot tell `{}` from absent.
        data[task_name] = merge(data.get(task_name), dict(task_properties))
    return _clear_message(data)


def next_stage_data(
    sequence_input: Mapping[str, Any],
    scope: tuple[str, str, str],
    completed: Sequence[FinishedTask],
    next_stage: str,
) -> dict[str, Any]:
    """The `data` of a chained `sh.keptn.event.<next_stage>.<sequence>.triggered` (reference 1.4).

    Steps 1-4 and 6 of 2.5 for the execution that finished (its input, scope and completed
    tasks), then `stage` replaced by `next_stage`, so `configurationChange`, `labels` and the task
    results travel to the next stage.
    """
    data = _clear_message(_accumulated(sequence_input, scope, completed))
    # Replaced last: the merged .finished data carry the old stage name.
    data["stage"] = next_stage
    return data


def _accumulated(
    sequence_input: Mapping[str, Any],
    scope: tuple[str, str, str],
    completed: Sequence[FinishedTask],
) -> dict[str, Any]:
    """Steps 1-4 of reference 2.5."""
    data: dict[str, Any] = copy.deepcopy(dict(sequence_input))
    data.update(zip(SCOPE_KEYS, scope, strict=True))
    for task in completed:
        data = merge(data, task.data)
    if completed:
        data["result"] = completed[-1].result
        data["status"] = completed[-1].status
    return data


def _clear_message(data: dict[str, Any]) -> dict[str, Any]:
    """Step 6: the previous task's message must not read as the next task's."""
    if "message" in data:
        data["message"] = ""
    return data


def _is_number(value: Any) -> bool:
    # bool is an int in Python but a separate kind in JSON.
    return isinstance(value, int | float) and not isinstance(value, bool)
