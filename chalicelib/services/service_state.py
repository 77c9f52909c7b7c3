"""What runs where, kept as the events go by (the recorder sees every event): each service's
newest event of each type, and its deployment changes (chalicelib/engine/whatruns.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalicelib.domain.event_query import EventQuery
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.service_state import SeenEvent, ServiceState
from chalicelib.engine.whatruns import CHANGES, DEPLOYMENT_FINISHED, observe, succeeded
from chalicelib.errors import DependencyFailure
from chalicelib.ports import EventStore, ServiceStates

log = logging.getLogger("quartermaster-handlers.service-state")
SAVE_ATTEMPTS = 5


def track_event(
    event: KeptnEvent,
    states: ServiceStates,
    events: EventStore,
    exists: Callable[[str], bool] | None = None,
) -> None:
    """Record `event` in its service's state (nothing for events without a service, nor,
    with `exists`, for a project that does not exist: the answers of a deleted project's
    tools and its aborted runs' `.finished` arrive after its states were removed, and must
    not come back into a project created again under the name)."""
    project, stage, service = event.project, event.stage, event.service
    if not (project and stage and service):
        return
    if exists is not None and not exists(project):
        return
    seen = SeenEvent(
        type=event.type, event_id=event.id, keptn_context=event.shkeptncontext, time=event.time
    )
    states.note_event(project, stage, service, seen)
    if event.type not in CHANGES or not succeeded(event):
        return
    values = _deployment_values(event, events) if event.type == DEPLOYMENT_FINISHED else None
    for _ in range(SAVE_ATTEMPTS):
        state = states.get(project, stage, service) or ServiceState(
            project=project, stage=stage, service=service
        )
        changed = observe(state, event, values)
        if changed is None:
            return
        if states.save_deployed(changed.model_copy(update={"revision": state.revision + 1})):
            return
    raise DependencyFailure(f"what runs in {project}/{stage}/{service} kept changing; try again")


def _deployment_values(event: KeptnEvent, events: EventStore) -> dict[str, Any]:
    """`configurationChange.values` of the deployment's `.triggered` (where Keptn reads the
    deployed image), else of the `.finished` itself."""
    own = _values(event.data)
    if own or not event.triggeredid:
        return own
    page = events.query(EventQuery(event_id=event.triggeredid, page_size=1))
    triggered = next(iter(page.events), None)
    return _values(triggered.data) if triggered is not None else {}


def _values(data: dict[str, Any]) -> dict[str, Any]:
    change = data.get("configurationChange")
    values = change.get("values") if isinstance(change, dict) else None
    return values if isinstance(values, dict) else {}


def service_states(project: str, states: ServiceStates) -> dict[tuple[str, str], ServiceState]:
    """(stage, service) -> state, for a project's listing (one Query)."""
    return {(state.stage, state.service): state for state in states.of_project(project)}
