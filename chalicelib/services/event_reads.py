"""Reading the audit trail: `GET /v1/event` and `GET /v1/event/type/{type}`."""

from __future__ import annotations

from chalicelib.domain.event_query import EventPage, EventQuery, parse_keptn_filter
from chalicelib.domain.event_types import expand_short_type
from chalicelib.domain.events import canonical_time
from chalicelib.errors import InvalidInput
from chalicelib.ports import EventStore

# Keptn's `filter` keys and the EventQuery fields they set.
FILTER_FIELDS = {
    "data.project": "project",
    "data.stage": "stage",
    "data.service": "service",
    "shkeptncontext": "keptn_context",
    "source": "source",
    "id": "event_id",
    "triggeredid": "triggered_id",
}


def find_events(query: EventQuery, store: EventStore) -> EventPage:
    """Events matching every filter, newest first, one page at a time."""
    query.require_anchor()
    updates: dict[str, object] = {}
    for name in ("from_time", "before_time"):
        value = getattr(query, name)
        if value:
            updates[name] = canonical_time(value)
    if query.type:
        updates["type"] = expand_short_type(query.type)
    query = query.model_copy(update=updates)
    if query.exclude_invalidated and query.type and query.type.endswith(".finished"):
        query = query.model_copy(update={"excluded_triggered_ids": _invalidated_ids(query, store)})
    return store.query(query)


def events_by_type(
    event_type: str,
    filter_text: str,
    exclude_invalidated: bool,
    limit: int,
    from_time: str | None,
    store: EventStore,
) -> EventPage:
    """Keptn's `/event/type/{eventType}?filter=data.project:x AND data.result:pass,warning`."""
    clauses = parse_keptn_filter(filter_text)
    fields: dict[str, object] = {}
    results: tuple[str, ...] = ()
    for key, values in clauses.items():
        if key == "data.result":
            results = values
            continue
        if key not in FILTER_FIELDS:
            known = ", ".join([*FILTER_FIELDS, "data.result"])
            raise InvalidInput(f"filter key '{key}' is not supported; use one of: {known}")
        if len(values) != 1:
            raise InvalidInput(f"filter key '{key}' takes exactly one value")
        fields[FILTER_FIELDS[key]] = values[0]
    query = EventQuery.model_validate(
        {
            **fields,
            "type": event_type,
            "results": results,
            "exclude_invalidated": exclude_invalidated,
            "page_size": limit,
            "from_time": from_time,
        }
    )
    return find_events(query, store)


def _invalidated_ids(query: EventQuery, store: EventStore) -> frozenset[str]:
    assert query.type is not None
    invalidated = EventQuery(
        keptn_context=query.keptn_context,
        project=query.project,
        stage=query.stage,
        service=query.service,
        type=query.type.removesuffix(".finished") + ".invalidated",
        page_size=100,
    )
    ids: set[str] = set()
    while True:
        page = store.query(invalidated)
        ids.update(event.triggeredid for event in page.events if event.triggeredid)
        if not page.next_page_key:
            return frozenset(ids)
        invalidated = invalidated.model_copy(update={"next_page_key": page.next_page_key})
