"""In-memory implementations of the ports, held to the same contract suites as the adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.evaluations import (
    BaselineFilter,
    EvaluationRecord,
    MonitoringSettings,
    PendingEvaluation,
)
from chalicelib.domain.event_query import EventPage, EventQuery
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.projects import Commit, ProjectRecord, Resource, ResourceScope, ServiceRecord
from chalicelib.domain.secrets import Secret, SecretSummary
from chalicelib.errors import Conflict, InvalidInput, NotFound, ResourceChanged
from chalicelib.ports import TokenRecord


class FakeBus:
    def __init__(self) -> None:
        self.published: list[KeptnEvent] = []

    def publish(self, event: KeptnEvent) -> None:
        self.published.append(event)


class FakeEventStore:
    def __init__(self) -> None:
        self._events: dict[tuple[str, str], KeptnEvent] = {}
        self._roots: dict[str, KeptnEvent] = {}  # keptn context -> its earliest event

    def put(self, event: KeptnEvent) -> bool:
        root = self._roots.get(event.shkeptncontext)
        if event.project and (root is None or event.time < root.time):
            self._roots[event.shkeptncontext] = event
        key = (event.source, event.id)
        if key in self._events:
            return False
        self._events[key] = event
        return True

    def query(self, query: EventQuery) -> EventPage:
        query.require_anchor()
        candidates = self._roots.values() if query.root else self._events.values()
        matching = sorted(
            (e for e in candidates if _matches(e, query)),
            key=lambda e: (e.time, e.id),
            reverse=True,
        )
        try:
            start = int(query.next_page_key) if query.next_page_key else 0
        except ValueError as error:
            raise InvalidInput("nextPageKey is not a key this API returned") from error
        page = matching[start : start + query.page_size]
        more = start + query.page_size < len(matching)
        return EventPage(
            events=page,
            next_page_key=str(start + query.page_size) if more else None,
            page_size=len(page),
        )


def _matches(event: KeptnEvent, query: EventQuery) -> bool:
    wanted = {
        "shkeptncontext": query.keptn_context,
        "project": query.project,
        "stage": query.stage,
        "service": query.service,
        "type": query.type,
        "source": query.source,
        "id": query.event_id,
        "triggeredid": query.triggered_id,
    }
    for attribute, value in wanted.items():
        if value is not None and getattr(event, attribute) != value:
            return False
    if query.results and event.result not in query.results:
        return False
    if query.excluded_triggered_ids and event.triggeredid in query.excluded_triggered_ids:
        return False
    stamp = f"{event.time}#{event.id}"
    if query.from_time and stamp < query.from_time:
        return False
    return not (query.before_time and stamp >= query.before_time)


class FakeTokenStore:
    def __init__(self) -> None:
        self.records: dict[str, TokenRecord] = {}
        self.reads = 0

    def list_tokens(self) -> list[TokenRecord]:
        self.reads += 1
        return list(self.records.values())

    def put_token(self, record: TokenRecord) -> None:
        self.records[record.name] = record

    def create_token(self, record: TokenRecord) -> None:
        if record.name in self.records:
            raise Conflict(f"a token named '{record.name}' already exists")
        self.records[record.name] = record

    def delete_token(self, name: str) -> bool:
        return self.records.pop(name, None) is not None


class FakeConfigStore:
    def __init__(self) -> None:
        self.projects: dict[str, ProjectRecord] = {}
        self.counters: dict[str, int] = {}
        self.services: dict[tuple[str, str], ServiceRecord] = {}
        self.versions: dict[tuple[str, str, str], list[Resource]] = {}
        self.commits: list[Commit] = []
        self.deleting: set[str] = set()  # projects whose deletion started

    def _commit(self, project: str, author: str, message: str, changes: tuple[str, ...]) -> str:
        if project not in self.counters:
            raise NotFound(f"project '{project}' does not exist")
        self.counters[project] += 1
        commit_id = f"{self.counters[project]:012x}"
        now = format_time(datetime.now(UTC))
        self.commits.append(
            Commit(id=commit_id, time=now, author=author, message=message, changes=changes)
        )
        return commit_id

    def create_project(self, project: ProjectRecord, author: str) -> ProjectRecord:
        if project.name in self.deleting:
            raise Conflict(f"project '{project.name}' is being deleted; delete it again")
        if project.name in self.projects:
            raise Conflict(f"project '{project.name}' already exists")
        self.counters[project.name] = 0
        head = self._commit(project.name, author, "create project", ("shipyard",))
        created = project.model_copy(update={"head": head})
        self.projects[project.name] = created
        self._write(
            ResourceScope(project=project.name), "shipyard.yaml", project.shipyard.encode(), head
        )
        return created

    def update_shipyard(self, project: ProjectRecord, author: str) -> ProjectRecord:
        head = self._commit(project.name, author, "update shipyard", ("shipyard",))
        updated = project.model_copy(update={"head": head})
        self.projects[project.name] = updated
        self._write(
            ResourceScope(project=project.name), "shipyard.yaml", project.shipyard.encode(), head
        )
        return updated

    def get_project(self, name: str) -> ProjectRecord | None:
        project = self.projects.get(name)
        if project is None or name in self.deleting:
            return None
        return project.model_copy(update={"head": f"{self.counters[name]:012x}"})

    def list_projects(self) -> list[ProjectRecord]:
        return [p for name in sorted(self.projects) if (p := self.get_project(name))]

    def mark_deleting(self, name: str, since: str) -> ProjectRecord | None:
        if name not in self.projects:
            return None
        self.deleting.add(name)
        return self.projects[name].model_copy(update={"head": f"{self.counters[name]:012x}"})

    def delete_project(self, name: str) -> None:
        self.deleting.discard(name)
        self.projects.pop(name, None)
        self.counters.pop(name, None)
        self.services = {k: v for k, v in self.services.items() if k[0] != name}
        self.versions = {k: v for k, v in self.versions.items() if k[0] != name}

    def create_service(self, service: ServiceRecord) -> None:
        key = (service.project, service.name)
        if key in self.services:
            raise Conflict(
                f"service '{service.name}' already exists in project '{service.project}'"
            )
        self.services[key] = service

    def list_services(self, project: str) -> list[ServiceRecord]:
        return [s for (p, _), s in sorted(self.services.items()) if p == project]

    def delete_service(self, project: str, service: str) -> None:
        self.services.pop((project, service), None)

    def _write(
        self, scope: ResourceScope, uri: str, content: bytes, version: str, deleted: bool = False
    ) -> None:
        key = (scope.project, scope.key, uri)
        self.versions.setdefault(key, []).append(
            Resource(uri=uri, content=content, version=version, deleted=deleted)
        )

    def put_resources(
        self,
        scope: ResourceScope,
        files: Sequence[tuple[str, bytes]],
        author: str,
        message: str,
        expected: Mapping[str, str | None] | None = None,
    ) -> Commit:
        if not files:
            raise InvalidInput("resources: give at least one file")
        if scope.project not in self.counters:
            raise NotFound(f"project '{scope.project}' does not exist")
        for uri, version in (expected or {}).items():
            if uri not in {name for name, _ in files}:
                raise InvalidInput(f"resources: expected names {uri}, which is not written")
            current = self.get_resource(scope, uri)
            if (current.version if current else None) != version:
                raise ResourceChanged(uri, scope.describe())
        changes = tuple(f"{scope.key}:{uri}" if scope.key else uri for uri, _ in files)
        version = self._commit(scope.project, author, message, changes)
        for uri, content in files:
            self._write(scope, uri, content, version)
        return self.commits[-1]

    def delete_resource(self, scope: ResourceScope, uri: str, author: str) -> Commit:
        version = self._commit(scope.project, author, f"delete {uri}", (uri,))
        self._write(scope, uri, b"", version, deleted=True)
        return self.commits[-1]

    def get_resource(
        self, scope: ResourceScope, uri: str, version: str | None = None
    ) -> Resource | None:
        candidates = [
            r
            for r in self.versions.get((scope.project, scope.key, uri), [])
            if version is None or r.version <= version
        ]
        if not candidates or candidates[-1].deleted:
            return None
        return candidates[-1]

    def list_resources(self, scope: ResourceScope, version: str | None = None) -> list[Resource]:
        found = []
        for project, key, uri in sorted(self.versions):
            if project == scope.project and key == scope.key:
                resource = self.get_resource(scope, uri, version)
                if resource is not None:
                    found.append(resource)
        return found


class FakeSecretStore:
    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], Secret] = {}

    def create(self, secret: Secret) -> None:
        if (secret.scope, secret.name) in self.secrets:
            raise Conflict(f"secret '{secret.name}' already exists in scope '{secret.scope}'")
        self.secrets[(secret.scope, secret.name)] = secret

    def update(self, secret: Secret) -> None:
        if (secret.scope, secret.name) not in self.secrets:
            raise NotFound(f"secret '{secret.name}' does not exist in scope '{secret.scope}'")
        self.secrets[(secret.scope, secret.name)] = secret

    def delete(self, name: str, scope: str) -> None:
        if self.secrets.pop((scope, name), None) is None:
            raise NotFound(f"secret '{name}' does not exist in scope '{scope}'")

    def list(self) -> list[SecretSummary]:
        return [
            SecretSummary(name=s.name, scope=s.scope, keys=tuple(sorted(s.data)))
            for _, s in sorted(self.secrets.items())
        ]

    def read(self, name: str, scope: str) -> Secret | None:
        return self.secrets.get((scope, name))


class FakeEvaluationStore:
    """Evaluations in a list (oldest first), pending get-sli requests and monitoring settings."""

    def __init__(self) -> None:
        self.pending: dict[str, PendingEvaluation] = {}
        self.parts: dict[str, dict[str, Any]] = {}
        self.records: list[EvaluationRecord] = []
        self.monitoring: dict[str, MonitoringSettings] = {}

    def put_pending(self, pending: PendingEvaluation) -> None:
        self.pending[pending.get_sli_id] = pending

    def get_pending(self, get_sli_id: str) -> PendingEvaluation | None:
        return self.pending.get(get_sli_id)

    def delete_pending(self, get_sli_id: str) -> None:
        self.pending.pop(get_sli_id, None)

    def record_part(self, group: str, part: str, answer: dict[str, Any]) -> dict[str, Any]:
        parts = self.parts.setdefault(group, {})
        parts[part] = answer
        return dict(parts)

    def delete_parts(self, group: str) -> None:
        self.parts.pop(group, None)

    def put_evaluation(self, record: EvaluationRecord) -> bool:
        if any(known.evaluation_id == record.evaluation_id for known in self.records):
            return False
        self.records.append(record)
        return True

    def _of(self, project: str, stage: str, service: str) -> list[EvaluationRecord]:
        return [
            record
            for record in reversed(self.records)
            if (record.project, record.stage, record.service) == (project, stage, service)
        ]

    def baselines(
        self, project: str, stage: str, service: str, include: BaselineFilter, limit: int
    ) -> list[EvaluationRecord]:
        found = [r for r in self._of(project, stage, service) if r.counts_for(include)]
        return found[:limit]

    def history(self, project: str, stage: str, service: str, limit: int) -> list[EvaluationRecord]:
        return self._of(project, stage, service)[:limit]

    def invalidate(self, evaluation_id: str) -> bool:
        for index, record in enumerate(self.records):
            if record.evaluation_id == evaluation_id:
                self.records[index] = record.model_copy(update={"invalidated": True})
                return True
        return False

    def forget_project(self, project: str, scopes: list[tuple[str, str]]) -> None:
        gone = {(project, stage, service) for stage, service in scopes}
        self.records = [r for r in self.records if (r.project, r.stage, r.service) not in gone]
        self.monitoring.pop(project, None)

    def get_monitoring(self, project: str) -> MonitoringSettings | None:
        return self.monitoring.get(project)

    def put_monitoring(self, project: str, settings: MonitoringSettings) -> None:
        self.monitoring[project] = settings
