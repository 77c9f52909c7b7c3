"""A queued run names the run it waits for (`blockedBy`), so a person can go and look at it."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import Run, RunState, Scope
from chalicelib.services.sequence_reads import SequenceFilter, sequence_states
from tests.fakes import FakeEventStore
from tests.fakes_sequencing import FakeSequencingStore

SCOPE = Scope(project="shop", stage="dev", service="cart")
FIRST, SECOND = "ctx-first", "ctx-second"


def _trigger(context: str, event_id: str, time: str) -> KeptnEvent:
    return KeptnEvent(
        id=event_id,
        source="ci",
        type="sh.keptn.event.dev.delivery.triggered",
        time=time,
        shkeptncontext=context,
        data={"project": "shop", "stage": "dev", "service": "cart"},
    )


def _run(run_id: str, context: str, created: str) -> Run:
    return Run(
        id=run_id,
        scope=SCOPE,
        sequence="delivery",
        keptn_context=context,
        triggered_id=f"{run_id}-trigger",
        git_commit="000000000001",
        created=created,
    )


@pytest.fixture
def stores() -> tuple[FakeSequencingStore, FakeEventStore]:
    """Two deliveries of one service in one stage: the first runs, the second waits."""
    runs, events = FakeSequencingStore(), FakeEventStore()
    for run_id, context, time in (
        ("r1", FIRST, "2026-01-01T10:00:00.000Z"),
        ("r2", SECOND, "2026-01-01T10:00:05.000Z"),
    ):
        runs.create_run(_run(run_id, context, time))
        events.put(_trigger(context, f"{run_id}-trigger", time))
    assert runs.claim_next(SCOPE) == "r1"
    runs.mark_started("r1", "arn:execution:r1")
    return runs, events


def _states(stores: tuple[FakeSequencingStore, FakeEventStore]) -> dict[str, dict[str, Any]]:
    views = sequence_states(SequenceFilter(project="shop"), *stores)
    return {view.shkeptncontext: view.to_api() for view in views}


def test_a_queued_run_names_the_run_holding_its_stage(
    stores: tuple[FakeSequencingStore, FakeEventStore],
) -> None:
    states = _states(stores)
    assert states[SECOND]["state"] == "waiting"
    (stage,) = states[SECOND]["stages"]
    assert stage["blockedBy"] == {"keptnContext": FIRST, "sequence": "delivery"}
    (running,) = states[FIRST]["stages"]
    assert "blockedBy" not in running


def test_once_the_holder_ends_the_next_run_waits_for_nobody(
    stores: tuple[FakeSequencingStore, FakeEventStore],
) -> None:
    runs, _ = stores
    runs.end_run("r1", RunState.FINISHED, "pass", "succeeded", [], "stamp")
    runs.release(SCOPE, "r1")
    assert runs.claim_next(SCOPE) == "r2"
    runs.mark_started("r2", "arn:execution:r2")
    states = _states(stores)
    assert states[SECOND]["state"] == "triggered"  # started, no task sent yet
    (stage,) = states[SECOND]["stages"]
    assert "blockedBy" not in stage
