"""What runs where: per project, stage and service, the newest event of each type (Keptn's
`lastEventTypes`) and the deployment that runs there (Keptn's `deployedImage`, plus the version,
since when, the context that deployed it and what ran before), from the events on the bus,
whoever deployed: Quartermaster's own targets or a user's tool."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SeenEvent(BaseModel):
    """Keptn's EventContextInfo: the newest event of one type for a service in a stage."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    type: str
    event_id: str = Field(alias="eventId")
    keptn_context: str = Field(alias="keptnContext")
    time: str


class Deployed(BaseModel):
    """A version that runs (or is staged) somewhere, and who put it there."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    version: str
    image: str = ""  # Keptn's deployedImage: the deployment's configurationChange.values.image
    strategy: str = ""
    keptn_context: str = Field(default="", alias="keptnContext")
    event_id: str = Field(default="", alias="eventId")  # the .finished that made it run
    since: str = ""
    source: str = ""  # the tool that reported it
    target: str = ""  # where, when Quartermaster deployed it ("Lambda function 'carts' ...")


class ServiceState(BaseModel):
    """One service in one stage."""

    model_config = ConfigDict(frozen=True)

    project: str
    stage: str
    service: str
    last_event_types: dict[str, SeenEvent] = Field(default_factory=dict)
    deployed: Deployed | None = None
    previous: Deployed | None = None
    staged: Deployed | None = None  # blue/green: deployed next to `deployed`, awaiting release
    revision: int = 0

    def deployment_body(self) -> dict[str, Any]:
        """The service body's fields about what runs (Keptn's and Quartermaster's own)."""
        body: dict[str, Any] = {}
        if self.deployed is not None:
            body["deployedImage"] = self.deployed.image or self.deployed.version
            body["deployment"] = self.deployed.model_dump(exclude_defaults=True)
        if self.previous is not None:
            body["previousDeployment"] = self.previous.model_dump(exclude_defaults=True)
        if self.staged is not None:
            body["stagedDeployment"] = self.staged.model_dump(exclude_defaults=True)
        return body
