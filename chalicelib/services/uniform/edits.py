"""Editing a project's uniform with the `task+=service` grammar (chalicelib/engine/
uniform_edits.py): the edits are applied to the latest uniform.yaml, and the result is applied
as any uniform is (a new commit, checked whole; the rules follow), only while uniform.yaml is
as it was read: an edit that another commit overtook is made again on the file it wrote
(services/file_edits.py), so concurrent edits all land."""

from __future__ import annotations

from typing import Any

import yaml

from chalicelib.domain.resource_uris import UNIFORM_URI
from chalicelib.engine.uniform_edits import edit_uniform
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.services.file_edits import edit_until_written
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
    shipyard = parse_shipyard(record.shipyard)
    tasks = {
        each.name: {task.name for sequence in each.sequences for task in sequence.tasks}
        for each in shipyard.spec.stages
    }

    def edit() -> dict[str, Any]:
        current = latest_uniform(project, deps.config)
        if current is None:
            raise NotFound(
                f"project '{project}' has no uniform to edit; apply one first "
                f"(qm apply uniform uniform.yaml --project {project})"
            )
        uniform, read = current
        document = uniform.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        changes = edit_uniform(document, edits, tasks, stage)
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        applied = apply_uniform(project, text, author, deps, {UNIFORM_URI: read})
        return {**applied, "changes": changes}

    return edit_until_written(edit)
