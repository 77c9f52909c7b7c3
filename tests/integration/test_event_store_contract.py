"""The EventStore contract, run against the DynamoDB adapter (on moto) and the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.event_query import EventQuery
from chalicelib.domain.events import KeptnEvent
from chalicelib.errors import InvalidInput
from chalicelib.ports import EventStore
from tests.fakes import FakeEventStore


@pytest.fixture(params=["dynamodb", "fake"])
def store(request: pytest.FixtureRequest) -> Iterator[EventStore]:
    if request.param == "fake":
        yield FakeEventStore()
    else:
        container: Container = request.getfixturevalue("aws_container")
        yield container.events


def make(n: int, **overrides: object) -> KeptnEvent:
    fields: dict[str, object] = {
        "id": f"e{n:03d}",
        "source": "test",
        "type": "sh.keptn.event.evaluation.finished",
        "time": f"2026-01-01T00:00:{n:02d}.000Z",
        "shkeptncontext": "ctx-1",
        "triggeredid": f"t{n:03d}",
        "data": {"project": "shop", "stage": "dev", "service": "cart", "result": "pass"},
    }
    fields.update(overrides)
    return KeptnEvent.model_validate(fields)


def test_an_event_is_stored_once_per_source_and_id(store: EventStore) -> None:
    assert store.put(make(1)) is True
    assert store.put(make(1)) is False
    assert store.put(make(1, source="other")) is True
    page = store.query(EventQuery(keptn_context="ctx-1"))
    assert len(page.events) == 2


def test_queries_return_newest_first_and_page_without_loss(store: EventStore) -> None:
    for n in range(7):
        store.put(make(n))
    seen: list[str] = []
    query = EventQuery(project="shop", page_size=3)
    while True:
        page = store.query(query)
        seen.extend(event.id for event in page.events)
        if not page.next_page_key:
            break
        query = query.model_copy(update={"next_page_key": page.next_page_key})
    assert seen == [f"e{n:03d}" for n in reversed(range(7))]


def test_filters_combine(store: EventStore) -> None:
    store.put(make(1))
    store.put(
        make(2, data={"project": "shop", "stage": "prod", "service": "cart", "result": "fail"})
    )
    store.put(make(3, type="sh.keptn.event.deployment.finished"))
    store.put(make(4, shkeptncontext="ctx-2", source="lighthouse"))
    by_scope = store.query(
        EventQuery(
            project="shop", stage="dev", service="cart", type="sh.keptn.event.evaluation.finished"
        )
    )
    assert [e.id for e in by_scope.events] == ["e004", "e001"]
    by_result = store.query(EventQuery(project="shop", results=("fail",)))
    assert [e.id for e in by_result.events] == ["e002"]
    by_source = store.query(EventQuery(project="shop", source="lighthouse"))
    assert [e.id for e in by_source.events] == ["e004"]
    by_id = store.query(EventQuery(event_id="e003"))
    assert [e.type for e in by_id.events] == ["sh.keptn.event.deployment.finished"]


def test_time_window_is_from_inclusive_before_exclusive(store: EventStore) -> None:
    for n in range(5):
        store.put(make(n))
    page = store.query(
        EventQuery(
            project="shop",
            from_time="2026-01-01T00:00:01.000Z",
            before_time="2026-01-01T00:00:03.000Z",
        )
    )
    assert [e.id for e in page.events] == ["e002", "e001"]


def test_excluded_triggered_ids_are_skipped_without_shrinking_pages(store: EventStore) -> None:
    for n in range(6):
        store.put(make(n))
    page = store.query(
        EventQuery(project="shop", page_size=3, excluded_triggered_ids=frozenset({"t005", "t004"}))
    )
    assert [e.id for e in page.events] == ["e003", "e002", "e001"]


def test_events_without_project_are_found_by_context(store: EventStore) -> None:
    store.put(make(1, type="sh.keptn.log.error", data={"message": "boom"}))
    assert [e.id for e in store.query(EventQuery(keptn_context="ctx-1")).events] == ["e001"]
    assert store.query(EventQuery(project="shop")).events == []


def test_a_query_needs_an_anchor_and_a_valid_page_key(store: EventStore) -> None:
    with pytest.raises(InvalidInput, match="keptnContext, project or eventID"):
        store.query(EventQuery(type="sh.keptn.event.evaluation.finished"))
    with pytest.raises(InvalidInput, match="nextPageKey"):
        store.query(EventQuery(project="shop", next_page_key="garbage!"))


def _root_ids(store: EventStore, **filters: object) -> list[str]:
    return [e.id for e in store.query(EventQuery.model_validate({**filters, "root": True})).events]


def test_root_events_are_the_earliest_event_of_each_context(store: EventStore) -> None:
    # ctx-1: a sequence trigger (e001) then its tasks; ctx-2 starts later; ctx-3 in another
    # project.
    store.put(make(1, type="sh.keptn.event.dev.delivery.triggered", triggeredid=None))
    for n in (2, 3, 4):
        store.put(make(n, type="sh.keptn.event.deployment.triggered", triggeredid=None))
    store.put(make(5, shkeptncontext="ctx-2", type="sh.keptn.event.dev.delivery.triggered"))
    store.put(make(6, shkeptncontext="ctx-2", source="lighthouse"))
    store.put(make(7, shkeptncontext="ctx-3", data={"project": "other", "stage": "dev"}))
    assert _root_ids(store, project="shop") == ["e005", "e001"]
    assert _root_ids(store, project="other") == ["e007"]
    assert _root_ids(store, keptn_context="ctx-1") == ["e001"]
    # The other filters apply to the root events.
    assert _root_ids(store, project="shop", source="lighthouse") == []
    assert _root_ids(store, project="shop", from_time="2026-01-01T00:00:02.000Z") == ["e005"]
    assert _root_ids(store, keptn_context="ctx-2", type="sh.keptn.event.evaluation.finished") == []
    # Paging as for every query.
    first = store.query(EventQuery(project="shop", root=True, page_size=1))
    assert [e.id for e in first.events] == ["e005"]
    assert first.next_page_key is not None
    query = EventQuery(project="shop", root=True, page_size=1, next_page_key=first.next_page_key)
    assert [e.id for e in store.query(query).events] == ["e001"]


def test_an_earlier_event_stored_later_becomes_the_root(store: EventStore) -> None:
    store.put(make(5))
    store.put(make(9, time="2026-01-01T00:00:05.000Z"))  # as early: the first stays the root
    assert _root_ids(store, project="shop") == ["e005"]
    store.put(make(2))
    store.put(make(5))  # a retried put changes nothing
    assert _root_ids(store, keptn_context="ctx-1") == ["e002"]
    store.put(make(1, type="sh.keptn.log.error", data={"message": "no project"}))
    assert _root_ids(store, project="shop") == ["e002"]


def test_root_events_need_a_project_or_a_context(store: EventStore) -> None:
    with pytest.raises(InvalidInput, match="root=true needs project or keptnContext"):
        store.query(EventQuery(event_id="e001", root=True))
