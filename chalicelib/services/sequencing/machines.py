"""Keep each project's state machines in step with its shipyard."""

from __future__ import annotations

from chalicelib.domain.shipyard import Shipyard
from chalicelib.engine.asl import compile_project, state_machine_name
from chalicelib.services.sequencing.common import SequencingDeps


def deploy_state_machines(project: str, shipyard: Shipyard, deps: SequencingDeps) -> int:
    """Create or update one state machine per sequence (built-in evaluation included)."""
    definitions = compile_project(
        shipyard,
        dispatch_queue_url=deps.workflows.queue_url(deps.dispatch_queue),
        control_queue_url=deps.workflows.queue_url(deps.control_queue),
    )
    for (stage, sequence), definition in definitions.items():
        name = state_machine_name(deps.deployment, project, stage, sequence)
        deps.workflows.ensure_state_machine(name, definition)
    return len(definitions)
