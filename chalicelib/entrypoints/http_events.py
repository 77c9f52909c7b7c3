"""HTTP routes for events: send one, and read the audit trail (with Keptn's alias paths)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container, intake_deps
from chalicelib.domain.api.events import EventAccepted, EventList
from chalicelib.domain.api.events import EventPage as EventPageBody
from chalicelib.domain.event_query import EventPage, EventQuery
from chalicelib.entrypoints.cloudevent_http import event_attributes
from chalicelib.entrypoints.http_support import (
    api_view,
    bool_param,
    identity_of,
    int_param,
    query_param,
)
from chalicelib.services.event_reads import events_by_type, find_events
from chalicelib.services.intake import accept_event

events_api = Blueprint(__name__)

EVENT_CONTENT_TYPES = ["application/json", "application/cloudevents+json"]


@events_api.route("/v1/event", methods=["POST"], content_types=EVENT_CONTENT_TYPES)
@events_api.route("/api/v1/event", methods=["POST"], content_types=EVENT_CONTENT_TYPES)
@api_view
def post_event() -> dict[str, Any]:
    request = events_api.current_request
    event = accept_event(
        event_attributes(request.headers, request.raw_body),
        intake_deps(),
        submitter=identity_of(request),
    )
    return EventAccepted(keptn_context=event.shkeptncontext, id=event.id).model_dump()


@events_api.route("/v1/event", methods=["GET"])
@events_api.route("/api/mongodb-datastore/event", methods=["GET"])
@api_view
def get_events() -> dict[str, Any]:
    request = events_api.current_request
    query = EventQuery(
        keptn_context=query_param(request, "keptnContext"),
        project=query_param(request, "project"),
        stage=query_param(request, "stage"),
        service=query_param(request, "service"),
        type=query_param(request, "type"),
        source=query_param(request, "source"),
        event_id=query_param(request, "eventID"),
        from_time=query_param(request, "fromTime"),
        before_time=query_param(request, "beforeTime"),
        page_size=int_param(request, "pageSize", default=20, low=1, high=100),
        next_page_key=query_param(request, "nextPageKey"),
        root=bool_param(request, "root"),
    )
    return _page_body(find_events(query, container().events))


@events_api.route("/v1/event/type/{event_type}", methods=["GET"])
@events_api.route("/api/mongodb-datastore/event/type/{event_type}", methods=["GET"])
@api_view
def get_events_by_type(event_type: str) -> dict[str, Any]:
    request = events_api.current_request
    page = events_by_type(
        event_type=event_type,
        filter_text=query_param(request, "filter") or "",
        exclude_invalidated=bool_param(request, "excludeInvalidated"),
        limit=int_param(request, "limit", default=20, low=1, high=100),
        from_time=query_param(request, "fromTime"),
        store=container().events,
    )
    return EventList(events=page.events).model_dump(mode="json", exclude_none=True)


def _page_body(page: EventPage) -> dict[str, Any]:
    body = EventPageBody(
        events=page.events, page_size=page.page_size, next_page_key=page.next_page_key or None
    )
    # exclude_none: events leave out unset attributes (as to_wire does), the page its last key.
    return body.model_dump(mode="json", exclude_none=True)
