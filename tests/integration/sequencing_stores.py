"""What the sequencing store contract suites share: the store under test (the DynamoDB adapter
on moto, or the in-memory fake) and runs and tasks to put in it."""

from __future__ import annotations

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.runs import CurrentTask, Run, RunState, Scope, TaskRecord
from chalicelib.ports import SequencingStore
from tests.fakes_sequencing import FakeSequencingStore

SCOPE = Scope(project="shop", stage="dev", service="cart")
STORES = ["dynamodb", "fake"]
DEPLOYMENT_TYPE = "sh.keptn.event.deployment.triggered"


def make_store(request: pytest.FixtureRequest) -> SequencingStore:
    """For a fixture parametrized with STORES."""
    if request.param == "fake":
        return FakeSequencingStore()
    container: Container = request.getfixturevalue("aws_container")
    return container.runs


def run(n: int, scope: Scope = SCOPE, context: str = "ctx") -> Run:
    return Run(
        id=f"run{n}",
        scope=scope,
        sequence="delivery",
        keptn_context=context,
        triggered_id=f"trig{n}",
        git_commit="000000000001",
        created=f"2026-01-01T00:00:0{n}.000Z",
        input={"image": f"v{n}"},
    )


def task(
    triggered_id: str = "t1",
    run_id: str = "run1",
    name: str = "deployment",
    dispatched: str = "2026-01-01T00:00:00.000Z",
) -> TaskRecord:
    return TaskRecord(
        triggered_id=triggered_id,
        run_id=run_id,
        index=0,
        name=name,
        token="secret-token",
        event_type=f"sh.keptn.event.{name}.triggered",
        dispatched=dispatched,
    )


def new_task(
    store: SequencingStore, record: TaskRecord, deadline: str | None = "2026-01-01T00:10:00.000Z"
) -> bool:
    """A task of run1 (created if needed), made its current task; held when `deadline` is None."""
    store.create_run(run(1))
    current = CurrentTask(index=0, name=record.name, triggered_id=record.triggered_id)
    return store.create_task(record, "shop", deadline, (current, RunState.STARTED), [], "s")
