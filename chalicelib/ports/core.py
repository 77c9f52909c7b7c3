"""Where events, configuration, tokens and secrets live: the bus, the audit trail, the
configuration store, API tokens and secrets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from chalicelib.domain.event_query import EventPage, EventQuery
    from chalicelib.domain.events import KeptnEvent
    from chalicelib.domain.projects import (
        Commit,
        ProjectRecord,
        Resource,
        ResourceScope,
        ServiceRecord,
    )
    from chalicelib.domain.secrets import Secret, SecretSummary


class EventBus(Protocol):
    """Where events are published for every handler (EventBridge in AWS)."""

    def publish(self, event: KeptnEvent) -> None: ...


class EventStore(Protocol):
    """The audit trail: every event seen on the bus, queryable by key."""

    def put(self, event: KeptnEvent) -> bool:
        """Store `event`; False when an event with the same source and id is already stored."""
        ...

    def query(self, query: EventQuery) -> EventPage: ...


class TokenRecord(BaseModel):
    """An API token as stored: never the token itself, only its SHA-256 digest."""

    model_config = ConfigDict(frozen=True)

    name: str
    digest: str
    created: str  # Keptn's time format, UTC
    expires: str | None = None  # the same format; None: never expires
    created_by: str = ""  # the name of the token that created it ("" when made with AWS access)


class TokenStore(Protocol):
    """API tokens (hashed), one per name."""

    def list_tokens(self) -> list[TokenRecord]: ...

    def put_token(self, record: TokenRecord) -> None:
        """Create the token, or replace the one of that name."""
        ...

    def create_token(self, record: TokenRecord) -> None:
        """Create the token; Conflict when one of that name exists."""
        ...

    def delete_token(self, name: str) -> bool:
        """Delete the token of that name; False when there was none."""
        ...


class ConfigStore(Protocol):
    """Projects, services and versioned configuration resources."""

    def create_project(self, project: ProjectRecord, author: str) -> ProjectRecord:
        """Create the project and its first commit (the shipyard); Conflict when it exists."""
        ...

    def update_shipyard(self, project: ProjectRecord, author: str) -> ProjectRecord: ...

    def get_project(self, name: str) -> ProjectRecord | None: ...

    def list_projects(self) -> list[ProjectRecord]: ...

    def mark_deleting(self, name: str, since: str) -> ProjectRecord | None:
        """Start deleting the project: from now on reads treat it as gone and its name cannot
        be taken (Conflict) until `delete_project`. The project, also when marked before;
        None when there is no such project."""
        ...

    def delete_project(self, name: str) -> None:
        """Delete the project's services, files and commits, and the project itself last."""
        ...

    def create_service(self, service: ServiceRecord) -> None:
        """Conflict when the service exists."""
        ...

    def list_services(self, project: str) -> list[ServiceRecord]: ...

    def delete_service(self, project: str, service: str) -> None: ...

    def put_resources(
        self,
        scope: ResourceScope,
        files: Sequence[tuple[str, bytes]],
        author: str,
        message: str,
        expected: Mapping[str, str | None] | None = None,
    ) -> Commit:
        """Write new versions of `files` (uri, content) in one commit.

        `expected[uri]` (for some of the files' uris) is the version of the file the writer
        read, None when it read none: the commit is written only while every such file is
        still at that version (absent or deleted for None); otherwise ResourceChanged (a
        Conflict) naming the file, and nothing is written. Files not in `expected` are
        replaced whatever their version."""
        ...

    def delete_resource(self, scope: ResourceScope, uri: str, author: str) -> Commit: ...

    def get_resource(
        self, scope: ResourceScope, uri: str, version: str | None = None
    ) -> Resource | None:
        """The resource as of `version` (a commit id; None = latest); None if absent."""
        ...

    def list_resources(self, scope: ResourceScope, version: str | None = None) -> list[Resource]:
        """Every resource of `scope` as of `version`, without deleted ones."""
        ...


class SecretStore(Protocol):
    """Secrets (Secrets Manager in AWS). Values are read only by the control plane itself."""

    def create(self, secret: Secret) -> None:
        """Conflict when a secret of that name and scope exists."""
        ...

    def update(self, secret: Secret) -> None:
        """NotFound when it does not exist."""
        ...

    def delete(self, name: str, scope: str) -> None:
        """NotFound when it does not exist."""
        ...

    def list(self) -> list[SecretSummary]: ...

    def read(self, name: str, scope: str) -> Secret | None: ...
