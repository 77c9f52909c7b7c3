"""Human decisions on approvals: exactly one decision per approval, recorded as an event.

`approve` sends `approval.finished` with `result: pass`, `decline` with `result: fail`; the task
completes when that event is counted, as it would for any tool's answer. The event carries who
decided (the API token's name), when, and the comment.
"""

from __future__ import annotations

from typing import Any

from chalicelib.engine import sequencer
from chalicelib.errors import Conflict, Gone, InvalidInput, NotFound
from chalicelib.services.approvals.service import APPROVAL
from chalicelib.services.sequencing.common import SequencingDeps, settle_later
from chalicelib.services.sequencing.interpreter import apply

DECISIONS = sequencer.DECISIONS
DECISION_SOURCE = sequencer.DECISION_SOURCE


def decide(
    scope: tuple[str, str, str | None],
    triggered_id: str,
    body: dict[str, Any],
    identity: str,
    deps: SequencingDeps,
) -> dict[str, str]:
    """Record `body`'s decision on the open approval `triggered_id` of project/stage[/service]."""
    choice = body.get("decision")
    if not isinstance(choice, str) or choice not in DECISIONS:
        raise InvalidInput(f"decision '{choice}' is not one of: approve, decline")
    comment = body.get("comment", "")
    if not isinstance(comment, str):
        raise InvalidInput("comment must be text")
    project, stage, service = scope
    task = deps.tasks.get_task(triggered_id)
    run = deps.runs.get_run(task.run_id) if task is not None else None
    if (
        task is None
        or run is None
        or task.name != APPROVAL
        or (run.scope.project, run.scope.stage) != (project, stage)
        or (service is not None and run.scope.service != service)
    ):
        raise NotFound(
            f"no approval with id {triggered_id} in project '{project}', stage '{stage}'"
            + (f", service '{service}'" if service else "")
        )
    decision = sequencer.approval_decision(run, triggered_id, choice, comment, identity, deps.now())
    # Should this call fail after the write, the decision is sent without waiting for a retry.
    settle_later(deps, triggered_id=triggered_id)
    # Refused: the decision made first may not have been sent yet (its call failed after the
    # write); `apply` sends it now, so the run goes on whichever call the user retries.
    applied = apply(decision, deps)
    if not applied.written:
        current = applied.stored
        if current is not None and (current.decision or current.finished):
            earlier = current.decision or {}
            raise Conflict(
                f"approval {triggered_id} was already decided"
                + (
                    f" ({earlier['decision']} by {earlier['decidedBy']} at {earlier['decidedAt']})"
                    if earlier
                    else ""
                )
                + "; a decision cannot be changed"
            )
        raise Gone(f"approval {triggered_id} is no longer open: it expired or its sequence ended")
    return {"keptnContext": run.keptn_context, **decision.decision}
