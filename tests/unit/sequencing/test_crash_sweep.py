"""Every write of the sequencing core may be the last thing a handler does (the Lambda dies or
loses the answer right after it), and every publish may fail: with the delivery retried, a
sequence still ends as it would have, each event is sent (under its one id), the next run
starts, and nothing is left in an outbox. Each write and each publish of the scenario is made
to fail in turn."""

from __future__ import annotations

from collections.abc import Callable
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

STORE_WRITES = (
    "create_run",
    "claim_next",
    "mark_started",
    "create_task",
    "count_answer",
    "close_task",
    "clear_task_effects",
    "record_decision",
    "end_run",
    "release",
    "clear_run_effects",
)
WORKFLOW_CALLS = ("start", "complete_task")
RUN1, RUN2 = run_id_for("ci", "trigger-1"), run_id_for("ci", "trigger-2")


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


def scenario(flow: Flow) -> None:
    """Two runs of one scope; the first runs a deployment and an approval, then ends."""
    for n in (1, 2):
        trigger = flow.trigger_event(n)
        deliver(partial(on_sequence_triggered, trigger, flow.deps))
    deployment = flow.dispatch_message(RUN1, 0, "deployment")
    deliver(lambda: on_dispatch(deployment, flow.deps))
    triggered = task_triggered_id(RUN1, 0)
    for phase in ("started", "finished"):
        answer = flow.answer_event(triggered, "deployment", phase)
        deliver(partial(on_task_answer, answer, flow.deps))
    approval = flow.dispatch_message(RUN1, 1, "approval")
    deliver(lambda: on_dispatch(approval, flow.deps))
    approval_id = task_triggered_id(RUN1, 1)
    body = {"decision": "approve"}
    deliver(lambda: decide(("shop", "dev", None), approval_id, body, "ops", flow.deps), True)
    [decision] = flow.published("approval.finished")
    deliver(lambda: on_task_answer(decision, flow.deps))
    outputs = flow.workflows.executions[flow.run(RUN1).execution_arn or ""].outputs
    deliver(lambda: on_control(flow.finish_message(RUN1, outputs[-1]), flow.deps))


def abort_scenario(flow: Flow) -> None:
    """Three runs of one scope; a user aborts the running one and the one queued behind it
    (retrying after a 503); the third starts."""
    for n in (1, 2, 3):
        trigger = flow.trigger_event(n)
        deliver(partial(on_sequence_triggered, trigger, flow.deps))
    deployment = flow.dispatch_message(RUN1, 0, "deployment")
    deliver(lambda: on_dispatch(deployment, flow.deps))
    for context in ("ctx-1", "ctx-2"):
        deliver(partial(control_context, "shop", context, Control.ABORT, None, flow.deps))
    # The tool's answer to the aborted run's task arrives late: it changes nothing.
    late = flow.answer_event(task_triggered_id(RUN1, 0), "deployment", "finished")
    deliver(lambda: on_task_answer(late, flow.deps))


def outcome(flow: Flow) -> dict[str, Any]:
    run1, run2 = flow.run(RUN1), flow.run(RUN2)
    tasks = [flow.store.get_task(task_triggered_id(RUN1, n)) for n in (0, 1)]
    return {
        "events": sorted({(e.id, e.type) for e in flow.bus.published}),
        "run1": (run1.state, run1.result, [t.name for t in run1.completed], run1.outbox),
        "run2": run2.state,
        "lock": flow.store.lock_holder(CART),
        "tasks": [(t.open, t.outbox) if t else None for t in tasks],
        "resumed": flow.workflows.executions[run1.execution_arn or ""].outputs,
        "executions": sorted(flow.workflows.executions),
    }


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    flow = Flow()
    scenario(flow)
    found = outcome(flow)
    assert found["run1"] == (RunState.FINISHED, "pass", ["deployment", "approval"], {})
    assert (found["run2"], found["lock"]) == (RunState.STARTED, RUN2)
    assert [t for _, t in found["events"]].count("sh.keptn.event.prod.delivery.triggered") == 1
    return found


def writes_in_scenario(target: str) -> dict[str, int]:
    flow = Flow()
    scenario(flow)
    return (flow.store if target == "store" else flow.workflows).writes


@pytest.mark.parametrize("method", STORE_WRITES)
def test_a_crash_after_any_store_write_is_finished_by_the_redelivery(
    method: str, expected: dict[str, Any]
) -> None:
    calls = writes_in_scenario("store").get(method, 0)
    assert calls, f"the scenario never writes {method}"
    for skip in range(calls):
        flow = Flow()
        flow.store.crash_after(method, skip=skip)
        scenario(flow)
        assert flow.store.crashes[method] == (0, 0), "the crash did not happen"
        assert outcome(flow) == expected, f"crash after {method} call {skip + 1}"


@pytest.mark.parametrize("method", WORKFLOW_CALLS)
def test_a_lost_answer_from_step_functions_is_finished_by_the_redelivery(
    method: str, expected: dict[str, Any]
) -> None:
    calls = writes_in_scenario("workflows").get(method, 0)
    assert calls, f"the scenario never calls {method}"
    for skip in range(calls):
        flow = Flow()
        flow.workflows.crash_after(method, skip=skip)
        scenario(flow)
        assert flow.workflows.crashes[method] == (0, 0), "the crash did not happen"
        assert outcome(flow) == expected, f"crash after {method} call {skip + 1}"


def test_a_failed_publish_anywhere_is_sent_by_the_redelivery(expected: dict[str, Any]) -> None:
    publishes = len(expected["events"])
    for skip in range(publishes):
        flow = Flow()
        flow.bus.failures, flow.bus.skip = 1, skip
        scenario(flow)
        assert flow.bus.failures == 0, "the failure did not happen"
        assert outcome(flow) == expected, f"publish {skip + 1} failed"


@pytest.fixture(scope="module")
def expected_abort() -> dict[str, Any]:
    flow = Flow()
    abort_scenario(flow)
    found = abort_outcome(flow)
    assert found["runs"] == [RunState.ABORTED, RunState.ABORTED, RunState.STARTED]
    assert found["lock"] == run_id_for("ci", "trigger-3")
    return found


def abort_outcome(flow: Flow) -> dict[str, Any]:
    runs = [flow.run(run_id_for("ci", f"trigger-{n}")) for n in (1, 2, 3)]
    execution = flow.workflows.executions[runs[0].execution_arn or ""]
    return {
        "events": sorted({(e.id, e.type) for e in flow.bus.published}),
        "runs": [run.state for run in runs],
        "outboxes": [run.outbox for run in runs],
        "lock": flow.store.lock_holder(CART),
        "first": (execution.status, execution.outputs),
        "task": flow.store.get_task(task_triggered_id(RUN1, 0)),
    }


def test_an_abort_interrupted_anywhere_is_finished_by_its_retry(
    expected_abort: dict[str, Any],
) -> None:
    counting = Flow()
    abort_scenario(counting)
    targets = [("store", m, n) for m, n in counting.store.writes.items()]
    targets += [("workflows", m, n) for m, n in counting.workflows.writes.items()]
    targets += [("bus", "publish", len(expected_abort["events"]))]
    assert {m for _, m, _ in targets} >= {"end_run", "release", "stop", "abandon_task"}
    for target, method, calls in targets:
        for skip in range(calls):
            flow = Flow()
            if target == "bus":
                flow.bus.failures, flow.bus.skip = 1, skip
            else:
                (flow.store if target == "store" else flow.workflows).crash_after(method, skip=skip)
            abort_scenario(flow)
            assert abort_outcome(flow) == expected_abort, f"{method} call {skip + 1} failed"
