"""Runs whose execution ended without them: Step Functions' status changes, reconciled.

A run's execution that fails (a state the interpreter could not run, a send to a queue that
kept failing), times out or is stopped by someone else leaves no message for the finisher. Step
Functions reports each such end as an event; this ends the run with a `.finished` that says
why (`fail`/`errored`), frees its scope so the next run starts, and does not chain: nothing of
the sequence's own outcome is known. A run that already ended (aborted by a user, which stops
its execution, or a redelivered event) only gets what its end left undone.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.runs import FINAL_STATES
from chalicelib.engine import sequencer
from chalicelib.observability import count
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.ending import end_run
from chalicelib.services.sequencing.interpreter import apply

log = logging.getLogger("quartermaster-handlers.sequencing")


def on_execution_status(detail: dict[str, Any], deps: SequencingDeps) -> bool:
    """Handle one `Step Functions Execution Status Change`; True when it ended a run."""
    status = str(detail.get("status", ""))
    name = str(detail.get("name", ""))  # executions are named after their run
    run = deps.runs.get_run(name) if name else None
    if run is None:
        log.info("execution %s (%s) belongs to no run; ignored", name, status)
        return False
    end = sequencer.execution_end(status, detail.get("error"), detail.get("cause"))
    if run.state in FINAL_STATES:
        apply(sequencer.end_run(run, end, deps.now()), deps)  # what its end left undone
        return False
    if not end_run(run, end, deps):
        return False
    count("ExecutionsFailed")  # by status in the log line of the run's end
    log.warning("run %s ended: %s", run.id, end.message)
    return True
