"""Reading sequences: Keptn's sequence-state view per context, and open task `.triggered` events.

The view is folded from each context's stored events (engine/sequence_view.py); what events do
not tell (queued behind another run, and which one; paused, timed out, aborted) comes from the
runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from chalicelib.domain.event_query import EventQuery
from chalicelib.domain.event_types import expand_short_type
from chalicelib.domain.events import KeptnEvent, canonical_time
from chalicelib.domain.runs import FINAL_STATES, Run, RunState
from chalicelib.engine.sequence_view import (
    BlockingRun,
    SequenceStateName,
    SequenceStateView,
    build_views,
)
from chalicelib.errors import InvalidInput
from chalicelib.ports import EventStore, RunStore, ScopeQueues, TaskStore

# How many runs one page may need to look through: a context holds a run per stage it reached.
RUNS_PER_PAGE_FACTOR = 10
# Contexts whose events are read at once (DynamoDB queries on one client, in threads).
MAX_PARALLEL_READS = 8


@dataclass(frozen=True)
class SequenceFilter:
    project: str
    name: str | None = None
    state: str | None = None
    keptn_context: str | None = None
    from_time: str | None = None
    before_time: str | None = None
    page_size: int = 20


def context_events(store: EventStore, context: str) -> list[KeptnEvent]:
    """Every event of a keptn context, oldest first."""
    found: list[KeptnEvent] = []
    query = EventQuery(keptn_context=context, page_size=100)
    while True:
        page = store.query(query)
        found.extend(page.events)
        if not page.next_page_key:
            return list(reversed(found))
        query = query.model_copy(update={"next_page_key": page.next_page_key})


def _events_of(
    contexts: list[str], store: EventStore, batch: int
) -> Iterator[tuple[str, list[KeptnEvent]]]:
    """Each context with its events, in order, read a batch at a time in parallel: a page of
    twenty runs costs about one query's time, not twenty. The first is read alone, so the
    store's client exists before threads share it (creating boto3 clients is not thread-safe)."""
    if not contexts:
        return
    yield contexts[0], context_events(store, contexts[0])
    rest = contexts[1:]
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_READS) as pool:
        for start in range(0, len(rest), batch):
            chunk = rest[start : start + batch]
            yield from zip(chunk, pool.map(partial(context_events, store), chunk), strict=True)


def _override(runs: list[Run]) -> SequenceStateName | None:
    """The state only runs know: paused, queued ("waiting"), timed out, aborted."""
    states = {run.state for run in runs}
    if any(run.paused and run.state not in FINAL_STATES for run in runs):
        return "paused"
    if RunState.ABORTED in states:
        return "aborted"
    if RunState.TIMED_OUT in states and not states & {RunState.STARTED, RunState.TRIGGERED}:
        return "timedOut"
    if states == {RunState.TRIGGERED}:
        return "waiting"
    return None


class QueuedRunReads(RunStore, ScopeQueues, Protocol):
    """What the view reads of the runs: the runs, and who holds a queued run's scope."""


def _blockers(runs: list[Run], store: QueuedRunReads) -> dict[str, BlockingRun]:
    """{stage: the run holding the scope} for each of `runs` that waits in its queue."""
    found: dict[str, BlockingRun] = {}
    for run in runs:
        if run.state is not RunState.TRIGGERED:
            continue
        holder_id = store.lock_holder(run.scope)
        holder = store.get_run(holder_id) if holder_id and holder_id != run.id else None
        if holder is not None:
            found[run.scope.stage] = BlockingRun(
                keptn_context=holder.keptn_context, sequence=holder.sequence
            )
    return found


def sequence_states(
    wanted: SequenceFilter, runs: QueuedRunReads, events: EventStore
) -> list[SequenceStateView]:
    """Newest first, one entry per keptn context, filtered as Keptn's endpoint filters."""
    if wanted.keptn_context:
        contexts = [wanted.keptn_context]
        by_context = {wanted.keptn_context: runs.runs_of_context(wanted.keptn_context)}
    else:
        recent = runs.runs_of_project(wanted.project, wanted.page_size * RUNS_PER_PAGE_FACTOR)
        contexts, by_context = [], {}
        for run in recent:
            if run.keptn_context not in by_context:
                contexts.append(run.keptn_context)
                by_context[run.keptn_context] = []
            by_context[run.keptn_context].append(run)
    times = {
        name: canonical_time(value)
        for name, value in (("from", wanted.from_time), ("before", wanted.before_time))
        if value
    }
    views: list[SequenceStateView] = []
    for context, stored in _events_of(contexts, events, wanted.page_size):
        override = _override(by_context[context])
        for view in build_views(
            stored,
            {context: override} if override else None,
            {context: _blockers(by_context[context], runs)},
        ):
            if view.project != wanted.project:
                continue
            if wanted.name and view.name != wanted.name:
                continue
            if wanted.state and view.state != wanted.state:
                continue
            if "from" in times and view.time < times["from"]:
                continue
            if "before" in times and view.time >= times["before"]:
                continue
            views.append(view)
        if len(views) >= wanted.page_size:
            break
    return views[: wanted.page_size]


def open_triggered_events(
    event_type: str,
    project: str | None,
    stage: str | None,
    service: str | None,
    event_id: str | None,
    runs: TaskStore,
    events: EventStore,
    projects: Callable[[], list[str]] | None = None,
) -> list[KeptnEvent]:
    """Task `.triggered` events still waiting for their answers, oldest first per project.
    Without a project, every project's (`projects` lists them): Keptn's distributor polls so
    when its subscription names no single project."""
    if not project:
        if projects is None:
            raise InvalidInput(
                "query parameter 'project' is required: open tasks are listed per project"
            )
        found: list[KeptnEvent] = []
        for name in projects():
            found += open_triggered_events(event_type, name, stage, service, event_id, runs, events)
        return found
    full_type = expand_short_type(event_type)
    found = []
    for task in runs.open_tasks(project, full_type):
        if event_id and task.triggered_id != event_id:
            continue
        page = events.query(EventQuery(event_id=task.triggered_id, page_size=1))
        for event in page.events:
            if stage is not None and event.stage != stage:
                continue
            if service is None or event.service == service:
                found.append(event)
    return found
