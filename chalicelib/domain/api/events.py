"""Bodies of the event routes: a Keptn CloudEvent sent in, what intake answers, and pages of
stored events (each a `KeptnEvent` as on the wire)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel
from chalicelib.domain.events import KeptnEvent

EVENT_EXAMPLE: dict[str, Any] = {
    "specversion": "1.0",
    "source": "ci",
    "type": "sh.keptn.event.dev.delivery.triggered",
    "shkeptnspecversion": "0.2.4",
    "data": {
        "project": "shop",
        "stage": "dev",
        "service": "cart",
        "configurationChange": {"values": {"image": "cart:1.2.0"}},
    },
}


class EventRequest(ApiModel):
    """A Keptn CloudEvent in structured mode (binary mode, with `ce-*` headers, works too).

    `id` is kept when given (source + id identify an event, so a retried request cannot act
    twice); `time` is always the time it was received; `shkeptncontext` is assigned when absent.
    Extension attributes other than those named here are kept as they are.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [EVENT_EXAMPLE]})

    specversion: str = Field(default="1.0", description="CloudEvents version: 1.0")
    source: str = Field(min_length=1, description="who sends the event (a URI-reference)")
    type: str = Field(
        description="sh.keptn.event.<stage>.<sequence>.triggered, "
        "sh.keptn.event.<task>.started|status.changed|finished|invalidated, ..."
    )
    id: str | None = None
    shkeptncontext: str | None = None
    triggeredid: str | None = Field(default=None, description="the .triggered event answered")
    gitcommitid: str | None = None
    shkeptnspecversion: str | None = None
    datacontenttype: str | None = None
    data: dict[str, Any] = Field(description="project, stage, service and the task's own fields")


class EventAccepted(ApiModel):
    """The event was validated and published."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"keptnContext": "3a4b1f2e-8f0c-4d6e-9a51-2b7c0e1d9f00", "id": "7d1f0a3c-e2b4"}
            ]
        }
    )

    keptn_context: str = Field(alias="keptnContext")
    id: str


class EventPage(ApiModel):
    """Stored events, newest first; `nextPageKey` is present while more pages follow."""

    events: list[KeptnEvent]
    page_size: int = Field(alias="pageSize")
    next_page_key: str | None = Field(default=None, alias="nextPageKey")


class EventList(ApiModel):
    """Stored events (Keptn's event-by-type answer)."""

    events: list[KeptnEvent]


class TriggeredEventList(ApiModel):
    """Task `.triggered` events still waiting for their answers, oldest first."""

    events: list[KeptnEvent]
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")
