"""The `task+=service` grammar: small edits of a uniform without writing YAML.

    <task>+=<service>[,<service>...]   these services also carry out the task
    <task>-=<service>[,<service>...]   these services no longer do
    <task>=<service>[,<service>...]    exactly these services do (the others stop)

A task is a shipyard task (`test` means `sh.keptn.event.test.triggered`); a service is one the
uniform already has (an edit cannot invent an executor). With a stage, each edit is about that
stage only: the subscription's selector gets or loses the stage (`stage In [...]`, or
`stage NotIn [...]` to take one stage out of a subscription for all of them). A subscription
whose selector says more than which stages it takes is not rewritten: such an edit is refused,
saying to edit the file and apply it, as is any name that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.event_types import task_event_type
from chalicelib.errors import InvalidInput

GRAMMAR = (
    "write <task>+=<service>[,<service>...] (also these), <task>-=<service>[,...] (no longer "
    "these) or <task>=<service>[,...] (exactly these), e.g. test+=selenium"
)
_EDIT = re.compile(r"^(?P<task>[A-Za-z0-9_-]+?)(?P<op>\+=|-=|=)(?P<services>[a-z0-9,-]+)$")


@dataclass(frozen=True)
class Edit:
    task: str
    op: str  # "+=", "-=" or "="
    services: tuple[str, ...]

    def said(self) -> str:
        return f"{self.task}{self.op}{','.join(self.services)}"


def parse_edit(text: str) -> Edit:
    found = _EDIT.match(text.strip())
    if found is None:
        raise InvalidInput(f"edit '{text}' is not understood: {GRAMMAR}")
    services = tuple(part for part in found["services"].split(","))
    if not all(services) or len(set(services)) != len(services):
        raise InvalidInput(f"edit '{text}': name each service once, separated by commas")
    return Edit(found["task"], found["op"], services)


def _stages_of(selector: dict[str, Any] | None) -> tuple[str, set[str]] | None:
    """A selector that only says which stages: ("all", {}), ("in", stages) or ("not", stages);
    None when it says more."""
    if not selector:
        return ("all", set())
    labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if set(labels) - {"stage"} or any(e.get("key") != "stage" for e in expressions):
        return None
    if (labels and expressions) or len(expressions) > 1:
        return None
    if labels:
        return ("in", {labels["stage"]})
    if not expressions:
        return ("all", set())
    operator = expressions[0].get("operator")
    if operator == "In":
        return ("in", set(expressions[0].get("values") or []))
    if operator == "NotIn":
        return ("not", set(expressions[0].get("values") or []))
    return None


def _selector(mode: str, stages: set[str]) -> dict[str, Any] | None:
    if mode == "all":
        return None
    operator = "In" if mode == "in" else "NotIn"
    return {"matchExpressions": [{"key": "stage", "operator": operator, "values": sorted(stages)}]}


class UniformEditor:
    """Edits the uniform's document (as a dict) in place, one edit at a time."""

    def __init__(self, document: dict[str, Any], tasks: dict[str, set[str]], stage: str | None):
        self.document = document
        self.tasks = tasks  # stage -> its task names
        self.stage = stage
        self.changes: list[str] = []

    def _service(self, name: str) -> dict[str, Any]:
        services = self.document["spec"]["services"]
        for service in services:
            if service["name"] == name:
                entry: dict[str, Any] = service
                return entry
        names = ", ".join(s["name"] for s in services)
        raise InvalidInput(
            f"the uniform has no service '{name}' (it has: {names}); add it with its executor "
            f"first (e.g. - name: {name} with image: ... or function: ... in uniform.yaml, then "
            "qm apply uniform uniform.yaml --project <project>)"
        )

    def _check_task(self, task: str) -> None:
        where = [self.stage] if self.stage else sorted(self.tasks)
        if not any(task in self.tasks.get(stage, set()) for stage in where):
            known = sorted(set().union(*(self.tasks.get(stage, set()) for stage in where)))
            place = f"stage '{self.stage}'" if self.stage else "any stage"
            raise InvalidInput(
                f"task '{task}' is in no sequence of {place} of the shipyard; its tasks are: "
                f"{', '.join(known) or 'none'}"
            )

    def apply(self, edit: Edit) -> None:
        self._check_task(edit.task)
        event = task_event_type(edit.task, "triggered")
        named = [self._service(name) for name in edit.services]
        if edit.op == "=":
            for service in self.document["spec"]["services"]:
                if service["name"] not in edit.services and self._entry(service, event):
                    self._remove(service, event)
        for service in named:
            if edit.op == "-=":
                self._remove(service, event, required=True)
            else:
                self._add(service, event)

    @staticmethod
    def _entry(service: dict[str, Any], event: str) -> dict[str, Any] | None:
        entries = [e for e in service.get("events") or [] if e["name"] == event]
        if len(entries) > 1:
            raise InvalidInput(
                f"service '{service['name']}' subscribes to {event} {len(entries)} times; "
                "merge them in uniform.yaml and apply it"
            )
        return entries[0] if entries else None

    def _stages(self, service: dict[str, Any], entry: dict[str, Any]) -> tuple[str, set[str]]:
        stages = _stages_of(entry.get("selector"))
        if stages is None:
            raise InvalidInput(
                f"service '{service['name']}' receives {entry['name']} with a selector that "
                f"says more than its stages ({entry.get('selector')}); an edit would change "
                "what it means: edit uniform.yaml and apply it (qm apply uniform)"
            )
        return stages

    def _add(self, service: dict[str, Any], event: str) -> None:
        entry = self._entry(service, event)
        if entry is None:
            entry = {"name": event}
            service.setdefault("events", []).append(entry)
            mode, stages = ("in", {self.stage}) if self.stage else ("all", set())
        else:
            mode, stages = self._stages(service, entry)
            if self.stage is None:
                mode, stages = "all", set()
            elif mode == "in":
                stages = stages | {self.stage}
            elif mode == "not":
                stages = stages - {self.stage}
                mode = "not" if stages else "all"
        self._set(entry, mode, stages)
        self.changes.append(f"{service['name']} carries out {event}{self._where()}")

    def _remove(self, service: dict[str, Any], event: str, required: bool = False) -> None:
        entry = self._entry(service, event)
        if entry is None:
            if required:
                raise InvalidInput(f"service '{service['name']}' does not receive {event}")
            return
        mode, stages = self._stages(service, entry)
        stage = self.stage
        served = stage is None or (stage in stages if mode == "in" else stage not in stages)
        if not served:
            if required:
                raise InvalidInput(
                    f"service '{service['name']}' does not receive {event} in stage '{stage}'"
                )
            return
        if stage is None or (mode == "in" and stages == {stage}):
            service["events"].remove(entry)
        elif mode == "in":
            self._set(entry, "in", stages - {stage})
        else:
            self._set(entry, "not", stages | {stage})
        self.changes.append(f"{service['name']} no longer carries out {event}{self._where()}")

    def _where(self) -> str:
        return f" in stage {self.stage}" if self.stage else ""

    @staticmethod
    def _set(entry: dict[str, Any], mode: str, stages: set[str]) -> None:
        selector = _selector(mode, stages)
        if selector is None:
            entry.pop("selector", None)
        else:
            entry["selector"] = selector


def edit_uniform(
    document: dict[str, Any],
    edits: Sequence[str],
    tasks: dict[str, set[str]],
    stage: str | None,
) -> list[str]:
    """Apply `edits` in order to `document` (the uniform as a dict); returns what changed."""
    if not edits:
        raise InvalidInput(f"give at least one edit: {GRAMMAR}")
    if stage is not None and stage not in tasks:
        raise InvalidInput(
            f"stage '{stage}' is not in the shipyard; its stages are: {', '.join(tasks)}"
        )
    editor = UniformEditor(document, tasks, stage)
    for text in edits:
        editor.apply(parse_edit(text))
    return editor.changes
