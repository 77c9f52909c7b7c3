"""Deployment targets count as executors: the deployer carries out `deployment`, `release` and
`rollback` of every service with a `target.yaml` (docs/deployment-targets.md), whatever the
uniform says. This module answers, for the uniform at apply time, in which stages they do.

As for webhook files (webhook_cover.py), only the project and stage of a task are known when a
uniform is applied, so a target task counts as carried out in a stage when the project, that
stage or any service in it has a target.yaml at the project's newest commit; a run for a service
without one (or with `deploymentstrategy: user_managed`) is still answered by the guard, which
asks about the event itself (chalicelib/services/uniform/guard.py).
"""

from __future__ import annotations

from chalicelib.domain.deployments import TARGET_TASKS
from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.targets import TARGET_FILE
from chalicelib.ports import ConfigStore

_TARGET_TASK_EVENTS = frozenset(task_event_type(task, "triggered") for task in TARGET_TASKS)


class TargetFiles:
    """Which scopes of one project have a target.yaml, read on first need, each once."""

    def __init__(self, project: str, config: ConfigStore) -> None:
        self._project = project
        self._config = config
        self._services: list[str] | None = None
        self._present: dict[tuple[str | None, str | None], bool] = {}

    def serves_task(self, stage: str, event_type: str) -> bool:
        """Whether the deployer takes the task's `.triggered` event somewhere in `stage`."""
        if event_type not in _TARGET_TASK_EVENTS:
            return False
        if self._services is None:
            self._services = [service.name for service in self._config.list_services(self._project)]
        scopes = [(None, None), (stage, None), *((stage, name) for name in self._services)]
        return any(self._has_target(scope) for scope in scopes)

    def _has_target(self, scope: tuple[str | None, str | None]) -> bool:
        if scope not in self._present:
            stage, service = scope
            where = ResourceScope(project=self._project, stage=stage, service=service)
            self._present[scope] = self._config.get_resource(where, TARGET_FILE) is not None
        return self._present[scope]
