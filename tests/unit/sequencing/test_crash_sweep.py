"""Every write of the sequencing core may be the last thing a handler does (the Lambda dies or
loses the answer right after it), and every publish may fail: with the delivery retried (by the
queue, or by a user after a 503), a sequence still ends as it would have, each event is sent
(under its one id), the next run starts, and nothing is left in an outbox.

Each scenario runs once to count its writes, Step Functions calls and publishes, then once per
call with that call failing right after it took effect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from chalicelib.domain.runs import RunState, run_id_for, task_triggered_id
from chalicelib.errors import Conflict, DependencyFailure
from chalicelib.services.approvals.decisions import decide
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.control import Control, control_context
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.ending import on_control
from chalicelib.services.sequencing.start import on_sequence_triggered
from tests.unit.sequencing.flow import CART, Flow

RUNS = [run_id_for("ci", f"trigger-{n}") for n in (1, 2, 3)]
RUN1 = RUNS[0]


def deliver(call: Callable[[], Any], retried_conflict: bool = False) -> None:
    """As SQS (or a user retrying after a 503) would: again until it goes through."""
    for attempt in range(5):
        try:
            call()
            return
        except DependencyFailure:
            continue
        except Conflict:
            # A retried decision whose first attempt was written: refused, and sent.
            if retried_conflict and attempt > 0:
                return
            raise
    raise AssertionError("still failing after 5 deliveries")


def triggers(flow: Flow, count: int) -> None:
    for n in range(1, count + 1):
        deliver(partial(on_sequence_triggered, flow.trigger_event(n), flow.deps))


def answer(flow: Flow, triggered_id: str, task: str, phase: str) -> None:
    deliver(partial(on_task_answer, flow.answer_event(triggered_id, task, phase), flow.deps))


def dispatch(flow: Flow, index: int, task: str) -> str:
    message = flow.dispatch_message(RUN1, index, task)  # one message, however often delivered
    deliver(lambda: on_dispatch(message, flow.deps))
    return task_triggered_id(RUN1, index)


def control(flow: Flow, context: str, command: Control) -> None:
    deliver(partial(control_context, "shop", context, command, None, flow.deps))


def finish(flow: Flow) -> None:
    outputs = flow.workflows.executions[flow.run(RUN1).execution_arn or ""].outputs
    deliver(partial(on_control, flow.finish_message(RUN1, outputs[-1]), flow.deps))


def full_sequence(flow: Flow) -> None:
    """Two runs of one scope; the first runs a deployment and an approval, then ends."""
    triggers(flow, 2)
    deployment = dispatch(flow, 0, "deployment")
    answer(flow, deployment, "deployment", "started")
    answer(flow, deployment, "deployment", "finished")
    approval = dispatch(flow, 1, "approval")
    body = {"decision": "approve"}
    deliver(lambda: decide(("shop", "dev", None), approval, body, "ops", flow.deps), True)
    [decision] = flow.published("approval.finished")
    deliver(partial(on_task_answer, decision, flow.deps))
    finish(flow)


def abort(flow: Flow) -> None:
    """Three runs of one scope; a user aborts the running one and the one queued behind it;
    the third starts. A tool's late answer to the aborted run's task changes nothing."""
    triggers(flow, 3)
    deployment = dispatch(flow, 0, "deployment")
    control(flow, "ctx-1", Control.ABORT)
    control(flow, "ctx-2", Control.ABORT)
    answer(flow, deployment, "deployment", "finished")


def pause_and_resume(flow: Flow) -> None:
    """A paused run's next task is held, sent on resume, answered, and the run ends."""
    triggers(flow, 2)
    control(flow, "ctx-1", Control.PAUSE)
    deployment = dispatch(flow, 0, "deployment")
    control(flow, "ctx-1", Control.RESUME)
    answer(flow, deployment, "deployment", "finished")
    approval = dispatch(flow, 1, "approval")
    answer(flow, approval, "approval", "finished")
    finish(flow)


def outcome(flow: Flow) -> dict[str, Any]:
    """What a user could see: events (by id), runs, the scope's lock, tasks, the execution."""
    runs = [flow.store.get_run(run_id) for run_id in RUNS]
    first = runs[0]
    assert first is not None
    execution = flow.workflows.executions[first.execution_arn or ""]
    return {
        "events": sorted({(e.id, e.type) for e in flow.bus.published}),
        "runs": [
            (r.state, r.result, r.paused, [t.name for t in r.completed], r.outbox) if r else None
            for r in runs
        ],
        "lock": flow.store.lock_holder(CART),
        "tasks": [flow.store.get_task(task_triggered_id(RUN1, n)) for n in (0, 1)],
        "first": (execution.status, execution.outputs),
        "started": sorted(e.name for e in flow.workflows.executions.values()),
    }


@dataclass(frozen=True)
class Case:
    scenario: Callable[[Flow], None]
    runs: list[RunState | None]  # the ordinary outcome, checked before any failure is injected


CASES = {
    "full sequence": Case(full_sequence, [RunState.FINISHED, RunState.STARTED, None]),
    "abort": Case(abort, [RunState.ABORTED, RunState.ABORTED, RunState.STARTED]),
    "pause and resume": Case(pause_and_resume, [RunState.FINISHED, RunState.STARTED, None]),
}


def _crash_store(method: str, skip: int, flow: Flow) -> None:
    flow.store.crash_after(method, skip=skip)


def _crash_workflows(method: str, skip: int, flow: Flow) -> None:
    flow.workflows.crash_after(method, skip=skip)


def _fail_publish(skip: int, flow: Flow) -> None:
    flow.bus.failures, flow.bus.skip = 1, skip


def failures(flow: Flow) -> Iterator[tuple[str, Callable[[Flow], None]]]:
    """Each call the ordinary run of `flow` made, as (name, what makes it fail)."""
    for method, calls in sorted(flow.store.writes.items()):
        for skip in range(calls):
            yield f"store.{method} #{skip + 1}", partial(_crash_store, method, skip)
    for method, calls in sorted(flow.workflows.writes.items()):
        for skip in range(calls):
            yield f"workflows.{method} #{skip + 1}", partial(_crash_workflows, method, skip)
    for skip in range(len(flow.bus.published)):
        yield f"publish #{skip + 1}", partial(_fail_publish, skip)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_failure_after_any_call_is_finished_by_the_retry(name: str) -> None:
    case = CASES[name]
    ordinary = Flow()
    case.scenario(ordinary)
    expected = outcome(ordinary)
    assert [r[0] if r else None for r in expected["runs"]] == case.runs
    assert all(r is None or r[4] == {} for r in expected["runs"])  # outboxes empty
    tried = 0
    for label, inject in failures(ordinary):
        flow = Flow()
        inject(flow)
        case.scenario(flow)
        injected_left = flow.bus.failures + sum(t for _, t in flow.store.crashes.values())
        assert injected_left + sum(t for _, t in flow.workflows.crashes.values()) == 0, label
        assert outcome(flow) == expected, f"{name}: failure after {label}"
        tried += 1
    assert tried > 20, f"{name}: only {tried} failures tried"
