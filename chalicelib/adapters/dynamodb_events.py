"""EventStore on DynamoDB: one item per (source, id), read through key-designed indexes only.

Each item carries the whole event as JSON plus the key attributes of the indexes below; an event
without a project (e.g. sh.keptn.log.error) is simply absent from the project indexes.

| index           | partition key                       | serves                      |
|-----------------|-------------------------------------|-----------------------------|
| by-id           | eid (event id)                      | eventID look-ups            |
| by-context      | ctx (keptn context)                 | a run's timeline            |
| by-project      | project                             | the Bridge, project history |
| by-project-type | ptype (project, type)               | open approvals, type lists  |
| by-scope-type   | pst (project, stage, service, type) | evaluation baselines        |
| by-triggered    | trig (triggeredid)                  | a task's answers            |
| by-root         | rootp (project)                     | root events (`root=true`)   |

Every index sorts on `ts`.

A keptn context's root event is its earliest event (Keptn's datastore rule): besides its own item,
each event with a project claims the context's root item (`root<SEP><context>`) with a put
conditioned on being earlier than the event there. The root item carries only `rootp` of the
index keys, so it appears in no other index.

`ts` is `<time in Keptn format>#<id>`, so newest-first is a reverse key order and time ranges are
key conditions. Nothing here ever Scans.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterator
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain import strict_json
from chalicelib.domain.event_query import EventPage, EventQuery
from chalicelib.domain.events import KeptnEvent
from chalicelib.errors import InvalidInput

SEP = "\x1f"  # cannot occur in names or types, so composite keys never collide

INDEXES: dict[str, str] = {
    "by-id": "eid",
    "by-context": "ctx",
    "by-project": "project",
    "by-project-type": "ptype",
    "by-scope-type": "pst",
    "by-triggered": "trig",
    "by-root": "rootp",
}
ROOT_KEY = "root" + SEP  # event items' keys are JSON arrays: no event key starts like this


def event_item(event: KeptnEvent) -> dict[str, Any]:
    """The DynamoDB item (low-level format) for `event`."""
    attributes: dict[str, str] = {
        "pk": json.dumps([event.source, event.id]),
        "eid": event.id,
        "ctx": event.shkeptncontext,
        "ts": f"{event.time}#{event.id}",
        "type": event.type,
        "source": event.source,
        "event": json.dumps(event.to_wire(), separators=(",", ":")),
    }
    if event.triggeredid:
        attributes["trig"] = event.triggeredid
    if event.result:
        attributes["result"] = event.result
    if event.project:
        attributes["project"] = event.project
        attributes["ptype"] = f"{event.project}{SEP}{event.type}"
        if event.stage and event.service:
            attributes["pst"] = SEP.join((event.project, event.stage, event.service, event.type))
    for name in ("stage", "service"):
        value = getattr(event, name)
        if value:
            attributes[name] = value
    return {name: {"S": value} for name, value in attributes.items()}


def root_item(event: KeptnEvent) -> dict[str, Any]:
    """The item that makes `event` the root of its context (only for events with a project)."""
    assert event.project is not None
    attributes = {
        "pk": ROOT_KEY + event.shkeptncontext,
        "rootp": event.project,
        "rtime": event.time,
        "rid": event.id,
        "ts": f"{event.time}#{event.id}",
        "type": event.type,
        "source": event.source,
        "event": json.dumps(event.to_wire(), separators=(",", ":")),
    }
    for name in ("stage", "service"):
        value = getattr(event, name)
        if value:
            attributes[name] = value
    return {name: {"S": value} for name, value in attributes.items()}


def is_root_match(event: KeptnEvent, query: EventQuery) -> bool:
    """Whether a context's root event passes the query's other filters."""
    wanted = {
        "project": query.project,
        "stage": query.stage,
        "service": query.service,
        "type": query.type,
        "source": query.source,
        "id": query.event_id,
    }
    if any(value is not None and getattr(event, name) != value for name, value in wanted.items()):
        return False
    stamp = f"{event.time}#{event.id}"
    if query.from_time and stamp < query.from_time:
        return False
    return not (query.before_time and stamp >= query.before_time)


class DynamoDbEventStore:
    """Stores each event once (conditional put on source + id) and answers EventQuery."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def put(self, event: KeptnEvent) -> bool:
        client = self._clients.dynamodb
        if event.project:
            # First, so that a retried put (the event already stored) still claims it.
            self._claim_root(event)
        try:
            client.put_item(
                TableName=self._table,
                Item=event_item(event),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _claim_root(self, event: KeptnEvent) -> None:
        client = self._clients.dynamodb
        # A failed condition means an earlier (or as early) event is the root already.
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            client.put_item(
                TableName=self._table,
                Item=root_item(event),
                # As Keptn: an event replaces the root only when strictly earlier.
                ConditionExpression="attribute_not_exists(pk) OR rtime > :time",
                ExpressionAttributeValues={":time": {"S": event.time}},
            )

    def _root_of(self, query: EventQuery) -> EventPage:
        assert query.keptn_context is not None
        item = self._clients.dynamodb.get_item(
            TableName=self._table, Key={"pk": {"S": ROOT_KEY + query.keptn_context}}
        ).get("Item")
        events = [] if item is None else [KeptnEvent.model_validate_json(item["event"]["S"])]
        events = [event for event in events if is_root_match(event, query)]
        return EventPage(events=events, page_size=len(events))

    def query(self, query: EventQuery) -> EventPage:
        query.require_anchor()
        if query.root and query.keptn_context:
            return self._root_of(query)
        index, hash_value = _choose_index(query)
        request = _query_request(self._table, index, hash_value, query)
        events: list[KeptnEvent] = []
        last_item: dict[str, Any] | None = None
        more = False
        excluded = query.excluded_triggered_ids
        for item, has_more in self._items(request, query.page_size):
            if excluded and item.get("trig", {}).get("S") in excluded:
                continue
            if len(events) == query.page_size:
                more = True
                break
            events.append(KeptnEvent.model_validate_json(item["event"]["S"]))
            last_item = item
            more = has_more
        next_key = _encode_key(last_item, index) if more and last_item else None
        return EventPage(events=events, next_page_key=next_key, page_size=len(events))

    def _items(
        self, request: dict[str, Any], page_size: int
    ) -> Iterator[tuple[dict[str, Any], bool]]:
        """Yield items in key order with whether more may follow, across DynamoDB pages."""
        client = self._clients.dynamodb
        # One item more than asked tells whether a next page exists without another call.
        request = {**request, "Limit": page_size + 1}
        while True:
            response = client.query(**request)
            items = response.get("Items", [])
            last_key = response.get("LastEvaluatedKey")
            for position, item in enumerate(items):
                yield item, position < len(items) - 1 or last_key is not None
            if not last_key:
                return
            request["ExclusiveStartKey"] = last_key


def _choose_index(query: EventQuery) -> tuple[str, str]:
    if query.root:
        assert query.project is not None  # require_anchor() guarantees it
        return "by-root", query.project
    if query.event_id:
        return "by-id", query.event_id
    if query.keptn_context:
        return "by-context", query.keptn_context
    if query.project and query.stage and query.service and query.type:
        return "by-scope-type", SEP.join((query.project, query.stage, query.service, query.type))
    if query.project and query.type:
        return "by-project-type", f"{query.project}{SEP}{query.type}"
    if query.triggered_id:
        return "by-triggered", query.triggered_id
    assert query.project is not None  # require_anchor() guarantees an anchor
    return "by-project", query.project


def _query_request(table: str, index: str, hash_value: str, query: EventQuery) -> dict[str, Any]:
    names: dict[str, str] = {"#h": INDEXES[index]}
    values: dict[str, Any] = {":h": {"S": hash_value}}
    condition = "#h = :h"
    if query.from_time and query.before_time:
        condition += " AND ts BETWEEN :from AND :before"
    elif query.from_time:
        condition += " AND ts >= :from"
    elif query.before_time:
        condition += " AND ts < :before"
    if query.from_time:
        values[":from"] = {"S": query.from_time}
    if query.before_time:
        values[":before"] = {"S": query.before_time}

    filters: list[str] = []
    exact = {
        "ctx": query.keptn_context,
        "project": query.project,
        "stage": query.stage,
        "service": query.service,
        "type": query.type,
        "source": query.source,
        "trig": query.triggered_id,
    }
    if index == "by-root":  # root items carry the project as `rootp` and the id as `rid`
        exact.update({"project": None, "rid": query.event_id})
    for position, (attribute, wanted) in enumerate(exact.items()):
        if wanted is None or attribute == INDEXES[index]:
            continue
        names[f"#f{position}"] = attribute
        values[f":f{position}"] = {"S": wanted}
        filters.append(f"#f{position} = :f{position}")
    if query.results:
        placeholders = []
        for position, result in enumerate(query.results):
            values[f":r{position}"] = {"S": result}
            placeholders.append(f":r{position}")
        names["#result"] = "result"
        filters.append(f"#result IN ({', '.join(placeholders)})")

    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    if query.next_page_key:
        request["ExclusiveStartKey"] = _decode_key(query.next_page_key, index)
    return request


def _encode_key(item: dict[str, Any], index: str) -> str:
    key = {"pk": item["pk"]["S"], "ts": item["ts"]["S"], "h": item[INDEXES[index]]["S"]}
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_key(token: str, index: str) -> dict[str, Any]:
    # The token comes back from the client: read it with the strict reader (a hostile one
    # may nest deep or hold anything) and accept only the three strings this API wrote.
    try:
        key = strict_json.loads(base64.urlsafe_b64decode(token.encode()), "nextPageKey")
        parts = [key["pk"], key["ts"], key["h"]]
        if not all(isinstance(part, str) for part in parts):
            raise TypeError("nextPageKey parts must be strings")
        return {
            "pk": {"S": parts[0]},
            "ts": {"S": parts[1]},
            INDEXES[index]: {"S": parts[2]},
        }
    except (InvalidInput, ValueError, KeyError, TypeError, binascii.Error) as error:
        raise InvalidInput(
            "nextPageKey is not a key this API returned; repeat the query without it "
            "and use the nextPageKey of its answer"
        ) from error
