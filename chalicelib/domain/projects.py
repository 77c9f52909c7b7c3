"""Projects, services and versioned configuration resources, as the control plane stores them."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

PROJECT_SCOPE = ""
# A commit id is the project's commit counter as 12 hex digits, so ids sort in commit order.
COMMIT_ID = re.compile(r"^[0-9a-f]{12}$")


def commit_id_problem(value: str, field: str) -> str | None:
    """Why `value` cannot name a commit, or None when it can."""
    if COMMIT_ID.match(value):
        return None
    shown = value if len(value) <= 40 and value.isprintable() else "that value"
    return (
        f"{field} '{shown}' is not a commit id: commit ids are 12 hexadecimal digits, "
        "as returned in commitID (e.g. 000000000004)"
    )


class ProjectRecord(BaseModel):
    """A project: its name, its shipyard (raw text) and the stage names it fixes at creation."""

    model_config = ConfigDict(frozen=True)

    name: str
    shipyard: str
    shipyard_version: str
    stages: tuple[str, ...]
    creation_date: str
    git_remote_url: str | None = None
    git_user: str | None = None
    # Seconds a task may wait for its first answer; None: the deployment's default (10 min).
    task_wait_seconds: int | None = None
    head: str = ""


class ServiceRecord(BaseModel):
    """A service; it exists in every stage of its project, as in Keptn."""

    model_config = ConfigDict(frozen=True)

    project: str
    name: str
    creation_date: str


class ResourceScope(BaseModel):
    """Where a resource lives: the project, one stage, or one service in one stage."""

    model_config = ConfigDict(frozen=True)

    project: str
    stage: str | None = None
    service: str | None = None

    @property
    def key(self) -> str:
        if self.stage is None:
            return PROJECT_SCOPE
        if self.service is None:
            return self.stage
        return f"{self.stage}/{self.service}"

    def describe(self) -> str:
        parts = [f"project '{self.project}'"]
        if self.stage is not None:
            parts.append(f"stage '{self.stage}'")
        if self.service is not None:
            parts.append(f"service '{self.service}'")
        return ", ".join(parts)


class Resource(BaseModel):
    """One version of a configuration file. `version` is the commit that wrote it."""

    model_config = ConfigDict(frozen=True)

    uri: str
    content: bytes
    version: str
    deleted: bool = False


class Commit(BaseModel):
    """One change to a project's configuration: every run pins the commit it started with."""

    model_config = ConfigDict(frozen=True)

    id: str
    time: str
    author: str
    message: str
    changes: tuple[str, ...]
