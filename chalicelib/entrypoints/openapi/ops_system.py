"""The operations of the system and event routes (http_system, http_events, http_openapi)."""

from __future__ import annotations

from chalicelib.domain.api.events import EventAccepted, EventList, EventPage, EventRequest
from chalicelib.domain.api.system import AuthResult, Health, Metadata
from chalicelib.entrypoints.openapi.spec import JSON, Operation, Query, integer
from chalicelib.entrypoints.openapi.wire import OpenApiDocument

TIME = "an RFC 3339 timestamp, e.g. 2026-05-02T10:00:00.000Z"

OPERATIONS = [
    Operation("GET", "/v1/health", "Liveness (no token needed)", "system", Health, public=True),
    Operation(
        "GET",
        "/v1/openapi.json",
        "This description of the API (no token needed)",
        "system",
        OpenApiDocument,
        public=True,
    ),
    Operation("POST", "/v1/auth", "Check a token", "system", AuthResult),
    Operation("GET", "/v1/metadata", "Installation metadata", "system", Metadata),
    Operation(
        "POST",
        "/v1/event",
        "Send a Keptn CloudEvent",
        "events",
        EventAccepted,
        body=EventRequest,
        body_types=(JSON, "application/cloudevents+json"),
        errors=(404,),
        description="Structured mode as described here, or binary mode (`ce-*` headers and "
        "the data as the body). 404 when `data.project` names no project.",
    ),
    Operation(
        "GET",
        "/v1/event",
        "Stored events, newest first",
        "events",
        EventPage,
        query=(
            Query("keptnContext", "only this run"),
            Query("project", "only this project"),
            Query("stage", "only this stage"),
            Query("service", "only this service"),
            Query("type", "only this event type"),
            Query("source", "only events from this source"),
            Query("eventID", "only the event with this id"),
            Query("fromTime", f"events at or after this time: {TIME}"),
            Query("beforeTime", f"events before this time: {TIME}"),
            Query("pageSize", "events per page", integer(1, 100, 20)),
            Query("nextPageKey", "the page after the one that answered this key"),
            Query(
                "root",
                "only root events (the earliest of each keptn context); needs project or "
                "keptnContext",
                {"type": "boolean"},
            ),
        ),
    ),
    Operation(
        "GET",
        "/v1/event/type/{event_type}",
        "Stored events of one type, newest first",
        "events",
        EventList,
        query=(
            Query(
                "filter",
                "e.g. data.project:shop AND data.stage:dev AND data.service:cart "
                "AND data.result:pass,warning",
            ),
            Query("excludeInvalidated", "leave out invalidated evaluations", {"type": "boolean"}),
            Query("limit", "at most this many events", integer(1, 100, 20)),
            Query("fromTime", f"events at or after this time: {TIME}"),
        ),
    ),
]
