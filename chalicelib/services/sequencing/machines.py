"""Each project's state machines: one per sequence and version of it.

A machine's name ends with a hash of its definition (`engine.asl.state_machine_name`), so a
shipyard commit adds the machines of its sequences without touching those of earlier commits:
a run queued under one commit executes that commit's machine, whatever was committed since.
The machines of a commit are deployed before the commit is written.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.shipyard import Shipyard
from chalicelib.engine.asl import compile_project, state_machine_name
from chalicelib.services.sequencing.common import SequencingDeps


def _definitions(shipyard: Shipyard, deps: SequencingDeps) -> dict[tuple[str, str], Any]:
    return compile_project(
        shipyard,
        dispatch_queue_url=deps.workflows.queue_url(deps.dispatch_queue),
        control_queue_url=deps.workflows.queue_url(deps.control_queue),
    )


def deploy_state_machines(project: str, shipyard: Shipyard, deps: SequencingDeps) -> int:
    """Create the machines of every sequence (built-in evaluation included) that do not exist
    yet; how many the shipyard has."""
    definitions = _definitions(shipyard, deps)
    for (stage, sequence), definition in definitions.items():
        name = state_machine_name(deps.deployment, project, stage, sequence, definition)
        deps.workflows.ensure_state_machine(name, definition)
    return len(definitions)


def machine_of(
    project: str, stage: str, sequence: str, shipyard: Shipyard, deps: SequencingDeps
) -> str:
    """The name of the machine that runs `sequence` of `stage` as `shipyard` defines it."""
    definition = _definitions(shipyard, deps)[(stage, sequence)]
    return state_machine_name(deps.deployment, project, stage, sequence, definition)
