"""`webhook.yaml` entries count as executors: the webhooks handler runs every entry whose
`type` matches an event of its service, stage or project (docs/webhooks.md), whatever the
uniform says. This module answers, for the uniform, which event types the project's webhook
files name.

At apply time only the project and stage of a task are known, so a task counts as carried out
in a stage when the project's file, that stage's file or the file of any service in that stage
has an entry for it (a run for a service without one is still answered by the guard, which asks
about the event itself: chalicelib/services/uniform/guard.py). Files are read from the
project's newest commit, only when a question needs them, and each at most once per apply.
Entries limited to `results` never run for a `.triggered` event (it carries no result), so they
do not count for tasks. A file that cannot be parsed counts for nothing (the webhooks handler
skips and reports it).
"""

from __future__ import annotations

from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.webhook import WebhookConfig
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.webhooks.matching import type_matches
from chalicelib.errors import QuartermasterError
from chalicelib.ports import ConfigStore
from chalicelib.services.webhooks.lookup import WEBHOOK_URI

# (type pattern, limited to results)
Entry = tuple[str, bool]


class WebhookTypes:
    """The entries of one project's webhook files, read on first need."""

    def __init__(self, project: str, stages: tuple[str, ...], config: ConfigStore) -> None:
        self._project = project
        self._stages = stages
        self._config = config
        self._services: list[str] | None = None
        self._files: dict[tuple[str | None, str | None], tuple[Entry, ...]] = {}

    def serves_task(self, stage: str, event_type: str) -> bool:
        """Whether an entry of the project, of `stage` or of a service in `stage` runs for the
        task's `.triggered` event of that type."""
        return any(
            type_matches(pattern, event_type) and not limited
            for scope in self._scopes_of(stage)
            for pattern, limited in self._entries(scope)
        )

    def names(self, event_type: str) -> bool:
        """Whether any webhook file of the project has an entry for the event type."""
        return any(
            type_matches(pattern, event_type)
            for stage in self._stages
            for scope in self._scopes_of(stage)
            for pattern, _ in self._entries(scope)
        )

    def _scopes_of(self, stage: str) -> list[tuple[str | None, str | None]]:
        if self._services is None:
            self._services = [service.name for service in self._config.list_services(self._project)]
        return [(None, None), (stage, None), *((stage, service) for service in self._services)]

    def _entries(self, scope: tuple[str | None, str | None]) -> tuple[Entry, ...]:
        if scope not in self._files:
            stage, service = scope
            where = ResourceScope(project=self._project, stage=stage, service=service)
            self._files[scope] = _read(self._config, where)
        return self._files[scope]


def _read(config: ConfigStore, scope: ResourceScope) -> tuple[Entry, ...]:
    resource = config.get_resource(scope, WEBHOOK_URI)
    if resource is None:
        return ()
    try:
        parsed = parse_document(resource.content.decode("utf-8"), WebhookConfig, WEBHOOK_URI)
    except (UnicodeDecodeError, QuartermasterError, ValueError):
        return ()
    return tuple((hook.type, bool(hook.results)) for hook in parsed.webhooks)
