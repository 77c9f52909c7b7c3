"""The webhook.yaml files that apply to an event, read once per configuration version.

An event is looked up in its service's, stage's and project's `webhook/webhook.yaml` as of
the commit its run is pinned to (`gitcommitid`; the project's newest commit for an event that
carries none). Those files never change at a commit, so each Lambda process keeps what it read
per (project, stage, service, commit): the common case, an event of a run whose scope has no
webhook at all, costs no read once the process has seen that scope at that commit, and three
reads the first time (one more for an event without `gitcommitid`, to learn the newest commit).
A file that cannot be parsed is skipped (as Keptn did) and reported: a warning in the log and
a `sh.keptn.log.error` event, sent once per file and commit (its id derives from both).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from chalicelib.domain.event_types import LOG_ERROR
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.webhook import WebhookConfig
from chalicelib.domain.yamldoc import document_problems, parse_document
from chalicelib.engine.sequencing.events import build_event, stable_id
from chalicelib.engine.webhooks.answers import WEBHOOK_SOURCE
from chalicelib.engine.webhooks.matching import ScopeFile
from chalicelib.errors import QuartermasterError
from chalicelib.ports import ConfigStore, EventBus

WEBHOOK_URI = "webhook/webhook.yaml"  # Keptn's place for the file, in any scope
MAX_CACHED = 512
log = logging.getLogger("quartermaster-handlers.webhooks")


@dataclass(frozen=True)
class Broken:
    """A webhook file that could not be parsed, and why."""

    scope: ResourceScope
    commit: str
    problem: str


class WebhookFiles:
    """Reads and remembers the webhook files of (project, stage, service) at a commit."""

    def __init__(self, max_cached: int = MAX_CACHED) -> None:
        self._cache: OrderedDict[tuple[str, str, str, str], tuple[ScopeFile, ...]] = OrderedDict()
        self._max = max_cached
        self._lock = Lock()
        self.reads = 0  # configuration reads made (bench/webhook.py shows them per event)

    def for_event(
        self, event: KeptnEvent, config: ConfigStore, bus: EventBus, now: str
    ) -> tuple[ScopeFile, ...]:
        """The service, stage and project files for `event` (absent ones with config None)."""
        project, stage, service = event.project, event.stage, event.service
        if not (project and stage and service):
            return ()  # Keptn's webhook service, too, needed all three
        commit = event.gitcommitid or self._head(project, config)
        if commit is None:
            return ()  # the project does not exist (any more)
        key = (project, stage, service, commit)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        files, broken = self._read(key, config)
        for problem in broken:
            _report(problem, event, bus, now)
        with self._lock:
            self._cache[key] = files
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return files

    def _head(self, project: str, config: ConfigStore) -> str | None:
        self.reads += 1
        record = config.get_project(project)
        return record.head if record is not None and record.head else None

    def _read(
        self, key: tuple[str, str, str, str], config: ConfigStore
    ) -> tuple[tuple[ScopeFile, ...], list[Broken]]:
        project, stage, service, commit = key
        scopes = (
            ("service", ResourceScope(project=project, stage=stage, service=service)),
            ("stage", ResourceScope(project=project, stage=stage)),
            ("project", ResourceScope(project=project)),
        )
        files: list[ScopeFile] = []
        broken: list[Broken] = []
        for label, scope in scopes:
            self.reads += 1
            resource = config.get_resource(scope, WEBHOOK_URI, commit)
            if resource is None:
                files.append(ScopeFile(label, None))
                continue
            try:
                text = resource.content.decode("utf-8")
                parsed = parse_document(text, WebhookConfig, WEBHOOK_URI)
            except (UnicodeDecodeError, QuartermasterError, ValueError):
                text = resource.content.decode("utf-8", "replace")
                problems = document_problems(text, WebhookConfig, WEBHOOK_URI)
                broken.append(Broken(scope, commit, "; ".join(problems) or "not UTF-8 text"))
                files.append(ScopeFile(label, None))
                continue
            files.append(ScopeFile(label, parsed))
        return tuple(files), broken


def _report(broken: Broken, event: KeptnEvent, bus: EventBus, now: str) -> None:
    message = (
        f"{WEBHOOK_URI} of {broken.scope.describe()} at commit {broken.commit} is skipped: "
        f"{broken.problem}"
    )
    log.warning(message)
    bus.publish(
        build_event(
            now=now,
            event_id=stable_id(
                "webhook-file", broken.scope.key, broken.scope.project, broken.commit
            ),
            event_type=LOG_ERROR,
            context=event.shkeptncontext,
            data={
                "project": broken.scope.project,
                "stage": broken.scope.stage,
                "service": broken.scope.service,
                "message": message,
                "integrationid": WEBHOOK_SOURCE,
                "task": event.type,
            },
            source=WEBHOOK_SOURCE,
        )
    )
