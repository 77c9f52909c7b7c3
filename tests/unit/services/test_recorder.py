"""The recorder: a bus entry it cannot store as keys is refused, not retried into a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.errors import InvalidInput
from chalicelib.services.recorder import record_event
from tests.fakes import FakeEventStore


def detail(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e1",
        "source": "tool",
        "type": "sh.keptn.event.test.started",
        "time": "2026-05-02T10:00:00Z",
        "shkeptncontext": "ctx",
        "triggeredid": "t1",
        "data": {"project": "shop", "stage": "dev", "service": "cart"},
    }
    event.update(overrides)
    return event


def test_an_event_from_the_bus_is_stored_once() -> None:
    store = FakeEventStore()
    assert record_event(detail(), store) is True
    assert record_event(detail(), store) is False


def test_a_triggeredid_too_long_for_a_key_is_refused_and_nothing_is_stored() -> None:
    store = FakeEventStore()
    with pytest.raises(InvalidInput, match="attribute 'triggeredid' is too long"):
        record_event(detail(triggeredid="t" * 600), store)
    assert record_event(detail(), store) is True  # nothing of the refused one was kept
