"""The deployment executor's handlers: the deployer (deployment, release and rollback
`.triggered`, and the evaluations canary steps asked for, from the bus), canary-steps (the deploy
queue the canary executions write to) and canary-watch (canary executions that failed, timed out
or were stopped, from the account's default bus)."""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import deploy_deps
from chalicelib.entrypoints.sequencing import bus_event
from chalicelib.observability import observed

deploy = Blueprint(__name__)
EVALUATION_FINISHED = "sh.keptn.event.evaluation.finished"


@deploy.lambda_function(name="deployer")
@observed("deployer")
def deployer(event: dict[str, Any], context: Any) -> dict[str, bool]:
    received = bus_event(event)
    if received is None:
        return {"handled": False}
    if received.type == EVALUATION_FINISHED:
        from chalicelib.services.deploy.canary import on_evaluation_finished

        return {"handled": on_evaluation_finished(received, deploy_deps())}
    from chalicelib.services.deploy.triggered import on_task_triggered

    return {"handled": on_task_triggered(received, deploy_deps())}


@deploy.lambda_function(name="canary-steps")
@observed("canary-steps")
def canary_steps(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.deploy.canary import on_step_message

    for record in event.get("Records", []):
        on_step_message(json.loads(record["body"]), deploy_deps())


@deploy.lambda_function(name="canary-watch")
@observed("canary-watch")
def canary_watch(event: dict[str, Any], context: Any) -> dict[str, bool]:
    from chalicelib.services.deploy.canary import on_execution_failed

    detail = event.get("detail")
    if not isinstance(detail, dict):
        return {"ended": False}
    return {"ended": on_execution_failed(detail, deploy_deps())}
