"""A ConfigStore that lets another change in between an edit's read and its write.

`RacingConfig(store, uri, interloper)` passes every call to `store`; right after the first
read of the latest `uri`, it runs `interloper()` once (another request that edits the same
file, through `store` itself), so the edit that read first writes last: the interleaving of
two requests at the same moment, made deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from chalicelib.domain.projects import Commit, ProjectRecord, Resource, ResourceScope, ServiceRecord
from chalicelib.ports import ConfigStore


class RacingConfig:
    def __init__(
        self, store: ConfigStore, uri: str, interloper: Callable[[], object], times: int = 1
    ) -> None:
        self.store = store
        self.uri = uri
        self.interloper = interloper
        self.times = times  # how many of the edit's reads another change follows
        self.reads = 0

    def get_resource(
        self, scope: ResourceScope, uri: str, version: str | None = None
    ) -> Resource | None:
        found = self.store.get_resource(scope, uri, version)
        if uri == self.uri and version is None and self.reads < self.times:
            self.reads += 1
            self.interloper()
        return found

    def put_resources(
        self,
        scope: ResourceScope,
        files: Sequence[tuple[str, bytes]],
        author: str,
        message: str,
        expected: Mapping[str, str | None] | None = None,
    ) -> Commit:
        return self.store.put_resources(scope, files, author, message, expected)

    def create_project(self, project: ProjectRecord, author: str) -> ProjectRecord:
        return self.store.create_project(project, author)

    def update_shipyard(self, project: ProjectRecord, author: str) -> ProjectRecord:
        return self.store.update_shipyard(project, author)

    def get_project(self, name: str) -> ProjectRecord | None:
        return self.store.get_project(name)

    def list_projects(self) -> list[ProjectRecord]:
        return self.store.list_projects()

    def delete_project(self, name: str) -> None:
        self.store.delete_project(name)

    def mark_deleting(self, name: str, since: str) -> ProjectRecord | None:
        return self.store.mark_deleting(name, since)

    def create_service(self, service: ServiceRecord) -> None:
        self.store.create_service(service)

    def list_services(self, project: str) -> list[ServiceRecord]:
        return self.store.list_services(project)

    def delete_service(self, project: str, service: str) -> None:
        self.store.delete_service(project, service)

    def delete_resource(self, scope: ResourceScope, uri: str, author: str) -> Commit:
        return self.store.delete_resource(scope, uri, author)

    def list_resources(self, scope: ResourceScope, version: str | None = None) -> list[Resource]:
        return self.store.list_resources(scope, version)
