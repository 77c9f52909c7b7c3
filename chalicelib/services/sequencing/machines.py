"""Each project's state machines: one per sequence and version of it.

A machine's name ends with a hash of its definition (`engine.asl.state_machine_name`), so a
shipyard commit adds the machines of its sequences without touching those of earlier commits:
a run queued under one commit executes that commit's machine, whatever was committed since.
The machines of a commit are deployed before the commit is written. A definition holds the
project's answer deadline (its Task states' heartbeat), so a change of the deadline makes new
versions too; a run whose version is missing deploys it when it starts.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.shipyard import Shipyard
from chalicelib.engine.asl import compile_project, state_machine_name
from chalicelib.services.sequencing.common import SequencingDeps


def answer_seconds(project: str, deps: SequencingDeps) -> int:
    """The project's answer deadline (`taskStartedWaitDuration`), else the deployment's."""
    record = deps.config.get_project(project)
    return (record.task_wait_seconds if record else None) or deps.task_wait_seconds


def _definitions(shipyard: Shipyard, deps: SequencingDeps, wait: int) -> dict[tuple[str, str], Any]:
    return compile_project(
        shipyard,
        dispatch_queue_url=deps.workflows.queue_url(deps.dispatch_queue),
        control_queue_url=deps.workflows.queue_url(deps.control_queue),
        answer_seconds=wait,
    )


def deploy_state_machines(
    project: str, shipyard: Shipyard, deps: SequencingDeps, wait: int | None = None
) -> int:
    """Create the machines of every sequence (built-in evaluation included) that do not exist
    yet, with answer deadline `wait` (default: the project's); how many the shipyard has."""
    wait = wait or answer_seconds(project, deps)
    definitions = _definitions(shipyard, deps, wait)
    for (stage, sequence), definition in definitions.items():
        name = state_machine_name(deps.deployment, project, stage, sequence, definition)
        deps.workflows.ensure_state_machine(name, definition)
    return len(definitions)


def machine_of(
    project: str, stage: str, sequence: str, shipyard: Shipyard, deps: SequencingDeps, wait: int
) -> str:
    """The name of the machine that runs `sequence` of `stage` as `shipyard` defines it, with
    answer deadline `wait`."""
    definition = _definitions(shipyard, deps, wait)[(stage, sequence)]
    return state_machine_name(deps.deployment, project, stage, sequence, definition)
