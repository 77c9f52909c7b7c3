"""The sequence list reads contexts a batch at a time in parallel and still answers newest
first, a page at a time, across batches when a filter drops runs."""

from __future__ import annotations

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import Run, Scope
from chalicelib.services.sequence_reads import SequenceFilter, sequence_states
from tests.fakes import FakeEventStore
from tests.fakes_sequencing import FakeSequencingStore

SCOPE = Scope(project="shop", stage="dev", service="cart")


def _stores(count: int) -> tuple[FakeSequencingStore, FakeEventStore]:
    """`count` runs, one a minute; every third one a `hotfix`, the others `delivery`."""
    runs, events = FakeSequencingStore(), FakeEventStore()
    for n in range(count):
        sequence = "hotfix" if n % 3 == 0 else "delivery"
        time = f"2026-01-01T10:{n:02d}:00.000Z"
        runs.create_run(
            Run(
                id=f"r{n}",
                scope=SCOPE,
                sequence=sequence,
                keptn_context=f"ctx-{n:02d}",
                triggered_id=f"t{n}",
                git_commit="000000000001",
                created=time,
            )
        )
        events.put(
            KeptnEvent(
                id=f"t{n}",
                source="ci",
                type=f"sh.keptn.event.dev.{sequence}.triggered",
                time=time,
                shkeptncontext=f"ctx-{n:02d}",
                data={"project": "shop", "stage": "dev", "service": "cart"},
            )
        )
    return runs, events


def test_a_page_is_the_newest_runs_in_order() -> None:
    views = sequence_states(SequenceFilter(project="shop", page_size=20), *_stores(45))
    assert [view.shkeptncontext for view in views] == [f"ctx-{n:02d}" for n in range(44, 24, -1)]


def test_a_filter_that_drops_runs_reads_on_into_later_batches() -> None:
    views = sequence_states(
        SequenceFilter(project="shop", name="hotfix", page_size=10), *_stores(45)
    )
    assert [view.shkeptncontext for view in views] == [f"ctx-{n:02d}" for n in range(42, 12, -3)]
