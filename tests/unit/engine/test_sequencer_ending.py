"""The sequencer's run ends, on plain state: the state machine's end, a task's answer
deadline, an execution's status change and a user's abort (chalicelib/engine/sequencer.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.effects import AbandonTask, FreeScope, Publish, StopExecution
from chalicelib.domain.messages import FinishedMessage
from chalicelib.domain.runs import RunState
from chalicelib.engine import sequencer
from chalicelib.engine.sequencing.events import stable_id
from tests.unit.engine.sequencer_fixtures import (
    NOW,
    SHIPYARD,
    completed,
    run,
    task,
    with_current,
)

ARN = "arn:aws:states:eu-west-1:1:execution:m:run-1"


def _finished(last: dict[str, object] | None) -> FinishedMessage:
    return FinishedMessage.model_validate(
        {"kind": "finished", "run": {"id": "run-1"}, "last": last}
    )


def test_a_finished_run_reports_its_last_result_and_message_and_chains() -> None:
    base = run(completed=[completed("deployment", "all good")])
    end = sequencer.finish_outcome(base, _finished({"result": "warning", "status": "succeeded"}))
    assert isinstance(end, sequencer.RunEnd)
    assert (end.state, end.result, end.status, end.message) == (
        RunState.FINISHED,
        "warning",
        "succeeded",
        "all good",
    )
    decision = sequencer.end_run(base, end, NOW, SHIPYARD)
    assert isinstance(decision, sequencer.EndRun)
    assert (decision.state, decision.result, decision.status) == (
        RunState.FINISHED,
        "warning",
        "succeeded",
    )
    finished, free, chained = decision.effects
    assert isinstance(finished, Publish)
    assert isinstance(chained, Publish)
    assert finished.event["id"] == stable_id("run-1", "finished")
    assert finished.event["type"] == "sh.keptn.event.dev.delivery.finished"
    assert finished.event["triggeredid"] == "trigger-1"
    assert free == FreeScope(scope=base.scope, run_id="run-1")
    assert chained.event["id"] == stable_id("run-1", "chain", "prod", "delivery")
    assert chained.event["type"] == "sh.keptn.event.prod.delivery.triggered"
    assert "gitcommitid" not in chained.event  # the next stage uses the newest configuration


def test_an_end_with_no_last_result_passes() -> None:
    end = sequencer.finish_outcome(run(), _finished(None))
    assert isinstance(end, sequencer.RunEnd)
    assert (end.result, end.status, end.message) == ("pass", "succeeded", "")


def test_a_chaining_end_needs_the_shipyard() -> None:
    end = sequencer.finish_outcome(run(), _finished({}))
    assert isinstance(end, sequencer.RunEnd)
    assert end.chains
    with pytest.raises(ValueError, match="shipyard"):
        sequencer.end_run(run(), end, NOW)


def test_a_task_timeout_that_ends_the_machine_times_the_run_out_without_chaining() -> None:
    current = task()
    base = with_current(run(), current)
    end = sequencer.finish_outcome(base, _finished({"result": "fail", "timedOut": True}))
    assert isinstance(end, sequencer.RunEnd)
    assert not end.chains
    assert (end.state, end.message) == (
        RunState.TIMED_OUT,
        "task deployment did not finish within its timeout",
    )
    decision = sequencer.end_run(base, end, NOW)
    assert [type(effect) for effect in decision.effects] == [Publish, AbandonTask, FreeScope]


def test_a_last_task_that_expired_with_on_timeout_pass_lets_the_run_pass() -> None:
    base = with_current(run(), task())
    expired = {"result": "pass", "status": "succeeded", "timedOut": True}
    end = sequencer.finish_outcome(base, _finished(expired))
    assert isinstance(end, sequencer.RunEnd)
    assert (end.state, end.result, end.status) == (RunState.FINISHED, "pass", "succeeded")
    assert end.chains  # as any passed run


def test_a_run_that_ended_before_settles_its_outbox() -> None:
    for state in (RunState.FINISHED, RunState.TIMED_OUT, RunState.ABORTED):
        ended = run(state=state, outbox={"a/00/free": "{}"})
        decision = sequencer.finish_outcome(ended, _finished({}))
        assert isinstance(decision, sequencer.SettleRun)
        assert decision.outbox == {"a/00/free": "{}"}
        assert isinstance(sequencer.end_run(ended, sequencer.abort_end(), NOW), sequencer.SettleRun)


def test_no_answer_by_the_deadline_times_out_and_stops_the_execution() -> None:
    current = task()
    base = with_current(run(), current)
    decision = sequencer.end_run(base, sequencer.no_answer_end(current.event_type), NOW)
    assert isinstance(decision, sequencer.EndRun)
    assert (decision.state, decision.result, decision.status) == (
        RunState.TIMED_OUT,
        "fail",
        "errored",
    )
    finished, abandon, stop, _ = decision.effects
    assert isinstance(finished, Publish)
    assert finished.event["data"]["message"] == (
        "sequence timed out while waiting for task sh.keptn.event.deployment.triggered to "
        "receive a correlating .started or .finished event"
    )
    assert abandon == AbandonTask(triggered_id="task-1")
    assert stop == StopExecution(execution_arn=ARN, cause="timed out")


def test_an_abort_passes_as_aborted_and_stops_the_execution() -> None:
    decision = sequencer.end_run(run(), sequencer.abort_end(), NOW)
    assert isinstance(decision, sequencer.EndRun)
    assert (decision.state, decision.result, decision.status) == (
        RunState.ABORTED,
        "pass",
        "aborted",
    )
    finished, stop, free = decision.effects
    assert isinstance(finished, Publish)
    assert finished.event["data"]["message"] == "sequence aborted by a user"
    assert stop == StopExecution(execution_arn=ARN, cause="aborted by a user")
    assert isinstance(free, FreeScope)


def test_a_run_without_execution_is_not_stopped() -> None:
    decision = sequencer.end_run(run(execution_arn=None), sequencer.abort_end(), NOW)
    assert not any(isinstance(effect, StopExecution) for effect in decision.effects)


def test_a_failed_execution_ends_its_run_errored_with_the_reason_and_no_chain() -> None:
    end = sequencer.execution_end("FAILED", "States.Runtime", "x" * 600)
    assert (end.state, end.result, end.status, end.chains) == (
        RunState.FINISHED,
        "fail",
        "errored",
        False,
    )
    assert end.message.startswith(
        "the sequence's state machine execution failed (States.Runtime: xxx"
    )
    assert len(end.message) == len("the sequence's state machine execution failed ()") + 500
    assert sequencer.execution_end("ABORTED").message == (
        "the sequence's state machine execution was stopped"
    )
    assert sequencer.execution_end("TIMED_OUT", cause="1 year").message == (
        "the sequence's state machine execution timed out (1 year)"
    )
    decision = sequencer.end_run(run(), end, NOW)  # no shipyard needed: it does not chain
    assert not any(
        isinstance(effect, Publish) and effect.event["type"].endswith(".triggered")
        for effect in decision.effects
    )


def test_the_same_end_decided_twice_builds_the_same_events() -> None:
    end = sequencer.abort_end()
    assert sequencer.end_run(run(), end, NOW) == sequencer.end_run(run(), end, NOW)


def test_a_finished_run_takes_over_its_last_tasks_completion() -> None:
    done = completed("deployment", "all good").model_copy(update={"triggered_id": "task-1"})
    last = task(open=False, completion=done)
    base = with_current(run(), last)  # its record does not hold the last task yet
    end = sequencer.finish_outcome(base, _finished({"result": "pass"}), last)
    assert isinstance(end, sequencer.RunEnd)
    assert end.message == "all good"  # the last task's message, as Keptn reports it
    decision = sequencer.end_run(base, end, NOW, SHIPYARD, last=last)
    assert isinstance(decision, sequencer.EndRun)
    assert decision.completed_tail == done
    finished = decision.effects[0]
    assert isinstance(finished, Publish)
    data = finished.event["data"]
    assert isinstance(data, dict)
    assert data["message"] == "all good"
    again = sequencer.end_run(run(completed=[done]), end, NOW, SHIPYARD, last=last)
    assert isinstance(again, sequencer.EndRun)
    assert again.completed_tail is None


def test_a_deadlines_end_is_written_only_while_its_task_is_unanswered() -> None:
    base = with_current(run(), task())
    end = sequencer.no_answer_end(task().event_type)
    decision = sequencer.end_run(base, end, NOW, unanswered="task-1")
    assert isinstance(decision, sequencer.EndRun)
    assert decision.unanswered == "task-1"
