"""Dispatching a task: store the state machine's token privately, then send `<task>.triggered`.

The token is written to the runs table before the event leaves, so an answer can never arrive
for a task the control plane does not know. It never appears on the bus, in events or in logs.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.messages import DispatchMessage
from chalicelib.engine import sequencer
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.interpreter import apply

log = logging.getLogger("quartermaster-handlers.sequencing")


def on_dispatch(message: dict[str, Any], deps: SequencingDeps) -> str | None:
    """Handle one dispatch message from a state machine; the task's `.triggered` id."""
    dispatch = DispatchMessage.model_validate(message)
    run = deps.runs.get_run(dispatch.run.id)
    decision = sequencer.dispatch(run, dispatch, deps.now(), deps.task_wait_seconds)
    # Stored before (a redelivery, or this message's earlier attempt): `apply` sends what it
    # left unsent.
    apply(decision, deps)
    if isinstance(decision, sequencer.CreateTask):
        return decision.task.triggered_id
    return None
