"""Tasks nothing carries out end at once, saying what to add.

For every task `.triggered` of a project with an applied uniform: when neither Quartermaster
itself, nor a live subscription of the applied uniform, nor a registered integration, nor a
`webhook.yaml` entry, nor the deployer (a service with a target.yaml) receives it, the task is
answered `.started` and `.finished` (`fail`/`errored`) with a message naming the task, project
and stage and what to add to the uniform. Projects without a uniform keep the behaviour without
one: their tools subscribe themselves, and an unanswered task times out.

Both answers have ids derived from the task's, so a redelivery re-sends the same events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.engine.coverage import served, unserved_message
from chalicelib.engine.webhooks.matching import select
from chalicelib.observability import count
from chalicelib.ports import ConfigStore, EventBus, IntegrationStore, UniformStore
from chalicelib.services.deploy.common import carried_out_by_target
from chalicelib.services.sequencing.common import answer_task
from chalicelib.services.uniform.current import applied_subscriptions, integration_subscriptions
from chalicelib.services.webhooks.lookup import WebhookFiles

SOURCE = "quartermaster/uniform"


@dataclass(frozen=True)
class GuardDeps:
    bus: EventBus
    config: ConfigStore
    uniforms: UniformStore
    integrations: IntegrationStore
    clock: Callable[[], datetime]
    # The files the webhooks handler would run for the event (read as it reads them, cached
    # per scope and commit in the process).
    webhook_files: WebhookFiles = field(default_factory=WebhookFiles)

    def now(self) -> str:
        return format_time(self.clock())


def on_task_triggered(event: KeptnEvent, deps: GuardDeps) -> bool:
    """Answer the task when nothing else will; True when it did."""
    parsed = parse_event_type(event.type)
    if parsed.kind is not TypeKind.TASK or parsed.phase != Phase.TRIGGERED or not event.project:
        return False
    applied = deps.uniforms.get_applied(event.project)
    if applied is None or not applied.commit:
        return False
    live = applied_subscriptions(applied, deps.config)
    if served(parsed.name, event.type, event.data, live):
        return False
    if served(parsed.name, event.type, event.data, integration_subscriptions(deps.integrations)):
        return False
    if select(deps.webhook_files.for_event(event, deps.config, deps.bus, deps.now()), event):
        return False  # the webhooks handler runs an entry for it
    if carried_out_by_target(event, deps.config):
        return False  # the deployer deploys the service to its target
    scope = {key: event.data.get(key) for key in ("project", "stage", "service")}
    message = unserved_message(event.project, str(event.stage), parsed.name, applied.commit)
    answer_task(deps, event, parsed.name, "started", {**scope, "status": "succeeded"}, SOURCE)
    answer_task(
        deps,
        event,
        parsed.name,
        "finished",
        {**scope, "status": "errored", "result": "fail", "message": message},
        SOURCE,
    )
    count("TasksWithoutExecutor")
    return True
