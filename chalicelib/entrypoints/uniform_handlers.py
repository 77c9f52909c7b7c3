"""The uniform's handlers: the applier (rules on the bus follow a project's uniform), the
guard (tasks nothing carries out end at once; `sh.keptn.log.error` events join the integration
log) and the task executor (image and process subscriptions' events, from their rules)."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import executor_deps, guard_deps, log_deps, reconcile_deps
from chalicelib.domain.event_types import LOG_ERROR
from chalicelib.entrypoints.sequencing import bus_event
from chalicelib.errors import InvalidInput
from chalicelib.observability import observed

uniform_handlers = Blueprint(__name__)
log = logging.getLogger("quartermaster-handlers.uniform")


@uniform_handlers.lambda_function(name="uniform-applier")
@observed("uniform-applier")
def uniform_applier(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.uniform.reconcile import reconcile

    project = (event.get("detail") or {}).get("project")
    if not isinstance(project, str) or not project:
        log.error("uniform-applier: a request without a project; ignored")
        return
    reconcile(project, reconcile_deps())


@uniform_handlers.lambda_function(name="uniform-guard")
@observed("uniform-guard")
def uniform_guard(event: dict[str, Any], context: Any) -> None:
    received = bus_event(event)
    if received is None:
        return
    if received.type == LOG_ERROR:
        from chalicelib.services.uniform.logs import log_error_event

        log_error_event(received, log_deps())
        return
    from chalicelib.services.uniform.guard import on_task_triggered

    on_task_triggered(received, guard_deps())


@uniform_handlers.lambda_function(name="task-executor")
@observed("task-executor")
def task_executor(event: dict[str, Any], context: Any) -> None:
    from pydantic import ValidationError

    from chalicelib.services.uniform.executor import on_subscribed_event

    # A rule invokes the function with its message itself; on the local runtime the rule's
    # queue delivers it as an SQS record.
    bodies = [record["body"] for record in event["Records"]] if "Records" in event else [event]
    for body in bodies:
        try:
            message = json.loads(body) if isinstance(body, str) else body
            on_subscribed_event(message, executor_deps())
        except (ValidationError, InvalidInput, json.JSONDecodeError) as error:
            # Retrying cannot repair a message that is not a subscribed event.
            log.error("task-executor: not a subscribed event (%s); dropped", error)
