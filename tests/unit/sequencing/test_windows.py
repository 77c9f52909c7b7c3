"""Races and lost calls between the sequencing handlers, on fakes: each test puts one handler's
step between another's read and write (a store that runs a step right after a read), or lets
an API call fail after its write and nobody retry it.

- an API skip, resume, abort or decision whose call failed after its write is finished by its
  delayed `settle` message, without a retry;
- a resume between the dispatcher's read of a paused run and its write;
- a dispatch state entered again with a new token;
- control requests reading the context's runs through an index that lags behind;
- a pause or resume between a trigger's read of its context's pause flags and its run's write;
- a `.started` counted between a deadline's read and the run's end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from chalicelib.domain.effects import Publish, outbox_entries
from chalicelib.domain.runs import Run, RunState, TaskRecord
from chalicelib.errors import DependencyFailure
from chalicelib.services.approvals.decisions import decide
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.common import SETTLE_AFTER_SECONDS
from chalicelib.services.sequencing.control import Control, control_context
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.start import on_sequence_triggered
from tests.fakes_sequencing import FakeSequencingStore
from tests.unit.sequencing.flow import CART, Flow

Step = Callable[[], object]


class RacingStore(FakeSequencingStore):
    """Runs a step once, right after the next read of the kind it waits for."""

    def __init__(self) -> None:
        super().__init__()
        self.after: dict[str, Step] = {}
        self.lagging: dict[str, list[Run]] | None = None  # the index as it was, by context

    def _then(self, read: str) -> None:
        step = self.after.pop(read, None)
        if step is not None:
            step()

    def get_run_with_task(
        self, run_id: str, triggered_id: str | None
    ) -> tuple[Run | None, TaskRecord | None]:
        found = super().get_run_with_task(run_id, triggered_id)
        self._then("run and task")
        return found

    def get_run(self, run_id: str) -> Run | None:
        found = super().get_run(run_id)
        self._then("run")
        return found

    def runs_of_context(self, keptn_context: str, consistent: bool = False) -> list[Run]:
        if self.lagging is not None and not consistent:
            found = [run.model_copy(deep=True) for run in self.lagging.get(keptn_context, [])]
        else:
            found = super().runs_of_context(keptn_context, consistent)
        self._then("context")
        return found

    def pause_flag(self, keptn_context: str, stage: str) -> str | None:
        found = super().pause_flag(keptn_context, stage)
        self._then("flags")
        return found

    def freeze_index(self) -> None:
        """From now on the index answers as it would have now (it lags behind writes)."""
        contexts = {run.keptn_context for run in self.runs.values()}
        read = FakeSequencingStore.runs_of_context
        self.lagging = {context: read(self, context) for context in contexts}


@pytest.fixture
def flow() -> Flow:
    built = Flow()
    store = RacingStore()
    built.store = store
    built.deps = dataclasses.replace(
        built.deps, runs=store, queues=store, pauses=store, tasks=store
    )
    return built


def store_of(flow: Flow) -> RacingStore:
    assert isinstance(flow.store, RacingStore)
    return flow.store


def control(flow: Flow, command: Control) -> str:
    return control_context("shop", "ctx-1", command, None, flow.deps, who="ops", reason="why")


def settle_later_messages(flow: Flow) -> int:
    """Nobody retries the failed call: its delayed `settle` message comes."""
    flow.clock.advance(SETTLE_AFTER_SECONDS)
    return flow.deadlines()


# -- API calls that failed after their write ---------------------------------------------------


def test_a_skip_that_failed_after_its_write_is_finished_without_a_retry(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    flow.bus.failures = 1  # the skip's .finished is not sent: the API answers 503
    with pytest.raises(DependencyFailure):
        control(flow, Control.SKIP)
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert execution.outputs == []
    assert settle_later_messages(flow) == 1
    [finished] = flow.published("deployment.finished")
    assert finished.triggeredid == triggered_id
    assert execution.outputs == [{"result": "pass", "status": "succeeded"}]
    task = flow.store.get_task(triggered_id)
    assert task is not None
    assert task.outbox == {}


def test_a_decision_that_failed_after_its_write_is_sent_without_a_retry(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    flow.answer(flow.dispatch(run.id, 0, "deployment"))
    approval = flow.dispatch(run.id, 1, "approval")
    flow.bus.failures = 1
    with pytest.raises(DependencyFailure):
        decide(("shop", "dev", None), approval, {"decision": "approve"}, "ops", flow.deps)
    assert flow.published("approval.finished") == []
    settle_later_messages(flow)
    [decided] = flow.published("approval.finished")
    assert decided.data["approval"]["decidedBy"] == "ops"


def test_a_resume_that_failed_after_its_write_sends_the_held_task_without_a_retry(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    control(flow, Control.PAUSE)
    triggered_id = flow.dispatch(run.id)
    flow.bus.failures = 1
    with pytest.raises(DependencyFailure):
        control(flow, Control.RESUME)
    assert flow.published("deployment.triggered") == []
    settle_later_messages(flow)
    assert [event.id for event in flow.published("deployment.triggered")] == [triggered_id]


def test_an_abort_that_failed_after_its_write_frees_the_scope_without_a_retry(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger(1))
    waiting = flow.run_of(flow.trigger(2))
    flow.dispatch(run.id)
    flow.bus.failures = 1
    with pytest.raises(DependencyFailure):
        control(flow, Control.ABORT)
    assert flow.store.lock_holder(CART) == run.id
    settle_later_messages(flow)
    assert len(flow.published("dev.delivery.finished")) == 1
    assert flow.store.lock_holder(CART) == waiting.id
    assert flow.run(waiting.id).state is RunState.STARTED


def test_a_settle_message_for_a_call_that_went_through_does_nothing(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    flow.dispatch(run.id)
    assert control(flow, Control.SKIP) == "skipped deployment"
    published = list(flow.bus.published)
    settle_later_messages(flow)
    assert flow.bus.published == published


# -- a resume racing the dispatch of a paused run's task --------------------------------------


def test_a_resume_between_the_dispatchers_read_and_write_leaves_nothing_held(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    control(flow, Control.PAUSE)
    store_of(flow).after["run and task"] = lambda: control(flow, Control.RESUME)
    triggered_id = flow.dispatch(run.id)  # read the run paused; resumed before its write
    task = flow.store.get_task(triggered_id)
    assert task is not None
    assert not task.held
    assert [event.id for event in flow.published("deployment.triggered")] == [triggered_id]


def test_a_dispatch_between_a_resumes_read_and_its_write_is_released_by_it(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    control(flow, Control.PAUSE)
    message = flow.dispatch_message(run.id, 0, "deployment")
    # The resume reads the context's runs (no task yet), then the task is stored held.
    store_of(flow).after["context"] = lambda: on_dispatch(message, flow.deps)
    assert control(flow, Control.RESUME) == "resumed 1 sequence(s)"
    assert len(flow.published("deployment.triggered")) == 1


def test_an_answer_before_the_dispatcher_removed_its_outbox_entry_sends_nothing_again(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    [triggered] = flow.published("deployment.triggered")
    # The dispatcher has sent the event and not yet removed its outbox entry.
    pending = outbox_entries([Publish(event=triggered.to_wire())], "s")
    flow.store.tasks[triggered_id].record.outbox.update(pending)
    flow.answer(triggered_id)  # a quick tool: answered before the removal
    assert len(flow.published("deployment.triggered")) == 1


# -- a dispatch state entered again with a new token -------------------------------------------


def test_every_token_a_task_was_dispatched_with_is_resumed(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    first = flow.dispatch_message(run.id, 0, "deployment")
    # Step Functions retried the state after its send went through: a second message, a new
    # token, and the execution waits on that one.
    second = flow.dispatch_message(run.id, 0, "deployment")
    triggered_id = on_dispatch(first, flow.deps)
    assert on_dispatch(second, flow.deps) == triggered_id
    assert len(flow.published("deployment.triggered")) == 1
    assert triggered_id is not None
    flow.answer(triggered_id)
    assert {first["taskToken"], second["taskToken"]} <= flow.workflows.used


# -- control requests and the context index ----------------------------------------------------


def test_a_skip_right_after_a_dispatch_acts_on_the_task_just_sent(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    store_of(flow).freeze_index()  # the index still shows the run without a task
    flow.dispatch(run.id)
    assert control(flow, Control.SKIP) == "skipped deployment"


def test_an_abort_right_after_a_trigger_ends_the_new_run_too(flow: Flow) -> None:
    first = flow.run_of(flow.trigger(1))
    store_of(flow).freeze_index()
    on_dispatch(flow.dispatch_message(first.id, 0, "deployment"), flow.deps)
    event = flow.trigger_event(2, stage="prod").model_copy(update={"shkeptncontext": "ctx-1"})
    on_sequence_triggered(event, flow.deps)  # a stage of the same context, not yet indexed
    assert control(flow, Control.ABORT) == "aborted 2 sequence(s)"


# -- a pause or resume while a run of the context is created ----------------------------------


def test_a_run_created_as_its_context_is_paused_starts_paused(flow: Flow) -> None:
    first = flow.run_of(flow.trigger(1))
    store_of(flow).after["flags"] = lambda: control(flow, Control.PAUSE)
    event = flow.trigger_event(2, stage="prod").model_copy(update={"shkeptncontext": "ctx-1"})
    on_sequence_triggered(event, flow.deps)  # read the flags unpaused; paused before its write
    runs = flow.store.runs_of_context("ctx-1")
    assert [run.paused for run in runs] == [True, True]
    assert flow.run(first.id).paused


def test_a_run_created_as_its_context_is_resumed_starts_running(flow: Flow) -> None:
    flow.trigger(1)
    control(flow, Control.PAUSE)
    store_of(flow).after["flags"] = lambda: control(flow, Control.RESUME)
    event = flow.trigger_event(2, stage="prod").model_copy(update={"shkeptncontext": "ctx-1"})
    on_sequence_triggered(event, flow.deps)  # read the flags paused; resumed before its write
    assert [run.paused for run in flow.store.runs_of_context("ctx-1")] == [False, False]


# -- a `.started` counted between a deadline's read and the run's end -------------------------


def test_a_started_counted_as_the_deadline_passes_keeps_the_run_going(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    started = flow.answer_event(triggered_id, "deployment", "started")
    store_of(flow).after["run and task"] = lambda: on_task_answer(started, flow.deps)
    token = flow.late(run.id)  # read the task unanswered; the .started is counted right after
    assert flow.run(run.id).state is RunState.STARTED
    assert flow.published("dev.delivery.finished") == []
    on_task_answer(flow.answer_event(triggered_id, "deployment", "finished"), flow.deps)
    assert token in flow.workflows.used


def test_a_started_counted_as_a_delayed_deadline_passes_keeps_the_run_going(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id, answer_seconds=None)
    started = flow.answer_event(triggered_id, "deployment", "started")
    store_of(flow).after["run"] = lambda: on_task_answer(started, flow.deps)
    flow.clock.advance(601)
    assert flow.deadlines() == 1
    assert flow.run(run.id).state is RunState.STARTED
    assert flow.published("dev.delivery.finished") == []
