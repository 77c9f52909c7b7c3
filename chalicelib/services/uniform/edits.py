"""Editing a project's uniform with the `task+=service` grammar (chalicelib/engine/
uniform_edits.py): the edits are applied to the latest uniform.yaml, and the result is applied
as any uniform is (a new commit, checked whole; the rules follow)."""

from __future__ import annotations

from typing import Any

import yaml

from chalicelib.engine.uniform_edits import edit_uniform
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.services.projects import get_project, parse_shipyard
from chalicelib.services.uniform.apply import ApplyDeps, apply_uniform
from chalicelib.services.uniform.current import latest_uniform


def edit_project_uniform(
    project: str, body: dict[str, Any], author: str, deps: ApplyDeps
) -> dict[str, Any]:
    stage = body.get("stage") or None
    edits = body.get("edits")
    if stage is not None and not isinstance(stage, str):
        raise InvalidInput("field 'stage' must be a stage name")
    if not isinstance(edits, list) or not all(isinstance(edit, str) for edit in edits):
        raise InvalidInput("field 'edits' is required: a list of edits such as \"test+=selenium\"")
    record = get_project(project, deps.config)
    current = latest_uniform(project, deps.config)
    if current is None:
        raise NotFound(
            f"project '{project}' has no uniform to edit; apply one first "
            f"(qm apply uniform uniform.yaml --project {project})"
        )
    shipyard = parse_shipyard(record.shipyard)
    tasks = {
        each.name: {task.name for sequence in each.sequences for task in sequence.tasks}
        for each in shipyard.spec.stages
    }
    document = current[0].model_dump(mode="json", by_alias=True, exclude_defaults=True)
    changes = edit_uniform(document, edits, tasks, stage)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    applied = apply_uniform(project, text, author, deps)
    return {**applied, "changes": changes}
