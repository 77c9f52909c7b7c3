"""Dispatching a task: store the state machine's token privately, then send `<task>.triggered`.

The token is written to the runs table before the event leaves, so an answer can never arrive
for a task the control plane does not know. It never appears on the bus, in events or in logs.
The run and the task before are read together (one read), and the task's write carries the
task before into the run's completed tasks (a close writes only the task item).
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.messages import DispatchMessage
from chalicelib.domain.runs import task_triggered_id
from chalicelib.engine import sequencer
from chalicelib.errors import DependencyFailure
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.interpreter import apply

log = logging.getLogger("quartermaster-handlers.sequencing")
ATTEMPTS = 3


def on_dispatch(message: dict[str, Any], deps: SequencingDeps) -> str | None:
    """Handle one dispatch message from a state machine; the task's `.triggered` id."""
    dispatch = DispatchMessage.model_validate(message)
    before = task_triggered_id(dispatch.run.id, dispatch.index - 1) if dispatch.index else None
    for _ in range(ATTEMPTS):
        run, previous = deps.runs.get_run_with_task(dispatch.run.id, before)
        decision = sequencer.dispatch(run, previous, dispatch, deps.now(), deps.task_wait_seconds)
        applied = apply(decision, deps)
        if not isinstance(decision, sequencer.CreateTask):
            return None
        if applied.written:
            return decision.task.triggered_id
        if applied.stored is not None:
            # Stored before: a redelivery (`apply` sent what it left unsent), or the dispatch
            # state entered again by Step Functions with a new token, which is kept too.
            if dispatch.task_token not in applied.stored.tokens:
                token = sequencer.KeepWaiting(
                    triggered_id=applied.stored.triggered_id, token=dispatch.task_token
                )
                apply(token, deps)
            return decision.task.triggered_id
        # Not stored: the run was paused, resumed or ended between the read and the write.
    raise DependencyFailure(f"run {dispatch.run.id} kept changing while its task was dispatched")
