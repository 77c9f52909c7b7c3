"""The recorder: every event seen on the bus goes into the event store, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.events import KeptnEvent, canonical_time, check_keys
from chalicelib.errors import InvalidInput
from chalicelib.ports import EventStore


def record_event(
    detail: dict[str, Any],
    store: EventStore,
    track: Callable[[KeptnEvent], None] | None = None,
) -> bool:
    """Store the CloudEvent carried in an EventBridge entry's detail, then hand it to `track`
    (what runs where, chalicelib/services/service_state.py), also for a duplicate delivery:
    the tracking may be what the first delivery did not finish.

    Returns False for a duplicate delivery. Raises InvalidInput for something that is not a
    CloudEvent (a tool publishing directly on the bus can send anything); retrying cannot fix it.
    """
    try:
        event = KeptnEvent.model_validate(detail)
    except ValidationError as error:
        raise InvalidInput(f"not a CloudEvent, not recorded: {error.errors()[0]['msg']}") from error
    check_keys(event)
    # Tools publishing straight to the bus may use other timestamp formats; index on Keptn's.
    event = event.model_copy(update={"time": canonical_time(event.time)})
    stored = store.put(event)
    if track is not None:
        track(event)
    return stored
