"""The sequencer's task decisions, on plain state: dispatch, answers, expiry, answer
deadlines, skip, resume and approvals (chalicelib/engine/sequencer.py)."""

from __future__ import annotations

from chalicelib.domain.effects import (
    AbandonTask,
    Publish,
    ResumeTask,
    ScheduleDeadline,
    StopExecution,
)
from chalicelib.domain.messages import DeadlineMessage, LateMessage, TimeoutMessage
from chalicelib.domain.runs import RunState, task_triggered_id
from chalicelib.engine import sequencer
from chalicelib.engine.sequencing.events import stable_id
from tests.unit.engine.sequencer_fixtures import (
    EARLIER,
    LATER,
    NOW,
    WAIT,
    completed,
    dispatch_message,
    run,
    task,
    with_current,
)


def _events(decision: sequencer.Decision) -> list[dict[str, object]]:
    return [effect.event for effect in decision.effects if isinstance(effect, Publish)]


# -- dispatch ----------------------------------------------------------------------------------


def test_a_dispatch_stores_the_task_then_sends_it_its_machine_bounding_the_answer_wait() -> None:
    message = dispatch_message(properties='{"deploymentstrategy": "direct"}')
    base = run(completed=[completed("build")])
    decision = sequencer.dispatch(base, None, message, NOW, WAIT)
    assert isinstance(decision, sequencer.CreateTask)
    triggered_id = task_triggered_id("run-1", 0)
    assert decision.task.triggered_id == triggered_id
    assert decision.task.token == "token-1"
    assert decision.task.dispatched == NOW
    assert (decision.deadline, decision.state) == (LATER, RunState.STARTED)
    assert decision.current.name == "deployment"
    assert decision.completed_tail is None
    [publish] = decision.effects  # no delayed message: the Task state's heartbeat is the deadline
    assert isinstance(publish, Publish)
    event = publish.event
    assert (event["id"], event["type"], event["time"]) == (
        triggered_id,
        "sh.keptn.event.deployment.triggered",
        NOW,
    )
    assert (event["shkeptncontext"], event["gitcommitid"]) == ("ctx-1", "c0ffee")
    data = event["data"]
    assert isinstance(data, dict)
    assert data["deployment"] == {"deploymentstrategy": "direct"}
    assert data["labels"] == {"team": "a"}
    assert "token-1" not in str(event)  # the token never leaves the store


def test_a_dispatch_from_a_machine_compiled_before_schedules_the_deadline_first() -> None:
    message = dispatch_message(answer_seconds=None)
    decision = sequencer.dispatch(run(), None, message, NOW, WAIT)
    deadline, publish = decision.effects
    assert deadline == ScheduleDeadline(triggered_id=task_triggered_id("run-1", 0), due=LATER)
    assert isinstance(publish, Publish)


def test_the_task_before_joins_the_runs_record_and_the_payload_once() -> None:
    done = completed("deployment").model_copy(update={"data": {"deployment": {"uri": "v2"}}})
    before = task(
        triggered_id=done.triggered_id, open=False, completion=done, outcome={"result": "pass"}
    )
    decision = sequencer.dispatch(run(), before, dispatch_message(1, "test"), NOW, WAIT)
    assert isinstance(decision, sequencer.CreateTask)
    assert decision.completed_tail == done
    [publish] = decision.effects
    assert isinstance(publish, Publish)
    data = publish.event["data"]
    assert isinstance(data, dict)
    assert data["deployment"] == {"uri": "v2"}
    # A run that holds it already (written by an earlier attempt, or before) adds nothing.
    again = sequencer.dispatch(run(completed=[done]), before, dispatch_message(1), NOW, WAIT)
    assert isinstance(again, sequencer.CreateTask)
    assert again.completed_tail is None


def test_the_projects_answer_wait_wins_over_the_deployments() -> None:
    decision = sequencer.dispatch(run(task_wait_seconds=60), None, dispatch_message(), NOW, WAIT)
    assert isinstance(decision, sequencer.CreateTask)
    assert decision.deadline == "2026-01-01T12:01:00.000Z"


def test_a_dispatch_delivered_twice_decides_the_same() -> None:
    first = sequencer.dispatch(run(), None, dispatch_message(), NOW, WAIT)
    assert sequencer.dispatch(run(), None, dispatch_message(), NOW, WAIT) == first


def test_a_paused_runs_task_is_held_without_deadline_or_event() -> None:
    decision = sequencer.dispatch(run(paused=True), None, dispatch_message(), NOW, WAIT)
    assert isinstance(decision, sequencer.CreateTask)
    assert decision.deadline is None
    assert decision.effects == ()
    assert decision.paused  # written only while the run is still paused


def test_an_approval_waits_for_approval() -> None:
    decision = sequencer.dispatch(run(), None, dispatch_message(1, "approval"), NOW, WAIT)
    assert isinstance(decision, sequencer.CreateTask)
    assert decision.state is RunState.WAITING_FOR_APPROVAL


def test_a_dispatch_for_an_ended_run_stops_its_execution_and_stores_nothing() -> None:
    for state in (RunState.ABORTED, RunState.TIMED_OUT, RunState.FINISHED):
        decision = sequencer.dispatch(run(state=state), None, dispatch_message(), NOW, WAIT)
        assert isinstance(decision, sequencer.Nothing)
        assert decision.effects == (
            StopExecution(
                execution_arn="arn:aws:states:eu-west-1:1:execution:m:run-1",
                cause="the run already ended",
            ),
        )
    gone = sequencer.dispatch(None, None, dispatch_message(), NOW, WAIT)
    assert isinstance(gone, sequencer.Nothing)
    assert gone.effects == ()


# -- answers -----------------------------------------------------------------------------------


def test_a_started_task_waits_for_its_finished() -> None:
    assert isinstance(sequencer.completion(task(started=1)), sequencer.Nothing)


def test_a_complete_task_closes_with_its_result_and_resumes_the_execution() -> None:
    answered = task(started=1, finished=1, finished_data=[{"result": "fail", "status": "errored"}])
    decision = sequencer.completion(answered)
    assert isinstance(decision, sequencer.CloseTask)
    assert (decision.started, decision.finished, decision.run_id) == (1, 1, "run-1")
    assert (decision.completed.result, decision.completed.status) == ("fail", "errored")
    assert decision.outcome == {"result": "fail", "status": "errored"}
    assert decision.effects == ()  # nothing for the outbox: the closed task says it all
    assert decision.resumes == (
        ResumeTask(token="token-1", output={"result": "fail", "status": "errored"}),
    )


def test_a_close_resumes_every_token_the_execution_waited_on_the_task_with() -> None:
    answered = task(started=1, finished=1, finished_data=[{"result": "pass"}])
    decision = sequencer.completion(answered.model_copy(update={"later_tokens": ["token-2"]}))
    assert isinstance(decision, sequencer.CloseTask)
    assert decision.later_tokens == 1  # the close is written only if no other came since
    assert [resume.token for resume in decision.resumes] == ["token-1", "token-2"]


def test_a_finished_alone_completes_with_its_own_result() -> None:
    done = sequencer.finished_alone("test", "t-1", {"result": "warning", "status": "succeeded"})
    assert (done.name, done.triggered_id, done.result, done.status) == (
        "test",
        "t-1",
        "warning",
        "succeeded",
    )


def test_an_answer_counted_before_settles_a_closed_task_only() -> None:
    key = "tool\x1fanswer-1"
    assert isinstance(sequencer.recount(None, key), sequencer.Nothing)
    assert isinstance(sequencer.recount(task(seen=["other"]), key), sequencer.Nothing)
    outcome = {"result": "pass", "status": "succeeded"}
    closed = task(open=False, seen=[key], outbox={"x/00/publish:e": "{}"}, outcome=outcome)
    settle = sequencer.recount(closed, key)
    assert isinstance(settle, sequencer.SettleTask)
    assert settle.outbox == {"x/00/publish:e": "{}"}
    # Resumed again: the first attempt may have crashed before it (a used token is refused).
    assert settle.effects == (ResumeTask(token="token-1", output=outcome),)
    # Counted, but the close did not happen (the handler crashed): decide it again.
    still_open = task(started=1, finished=1, seen=[key], finished_data=[{"result": "pass"}])
    assert isinstance(sequencer.recount(still_open, key), sequencer.CloseTask)


# -- expiry (a task's `timeout` property) ------------------------------------------------------


def _timeout(on_timeout: str) -> TimeoutMessage:
    return TimeoutMessage.model_validate(
        {"kind": "timeout", "run": {"id": "run-1"}, "timeoutSeconds": 30, "onTimeout": on_timeout}
    )


def test_an_expired_task_that_goes_on_finishes_passed_with_the_reason() -> None:
    decision = sequencer.expiry(run(), task(), _timeout("pass"), NOW)
    assert isinstance(decision, sequencer.ExpireTask)
    (event,) = _events(decision)
    assert event["id"] == stable_id("task-1", "expired")
    assert event["type"] == "sh.keptn.event.deployment.finished"
    assert event["data"] == {
        "project": "shop",
        "stage": "dev",
        "service": "cart",
        "labels": {"team": "a"},
        "result": "pass",
        "status": "succeeded",
        "message": "deployment expired: no answer within 30 s "
        "(onTimeout: pass, the sequence goes on)",
    }


def test_an_expired_task_that_stops_finishes_failed() -> None:
    (event,) = _events(sequencer.expiry(run(), task(), _timeout("fail"), NOW))
    data = event["data"]
    assert isinstance(data, dict)
    assert (data["result"], data["status"]) == ("fail", "errored")
    assert str(data["message"]).endswith("(onTimeout: fail, the sequence stops)")


def test_an_expiry_of_a_closed_task_settles_it() -> None:
    decision = sequencer.expiry(run(), task(open=False), _timeout("fail"), NOW)
    assert isinstance(decision, sequencer.SettleTask)
    assert isinstance(sequencer.expiry(run(), None, _timeout("fail"), NOW), sequencer.Nothing)


# -- the answer deadline, passed in the state machine (`late`) --------------------------------


def _late(token: str = "token-9") -> LateMessage:
    return LateMessage.model_validate(
        {"kind": "late", "taskToken": token, "run": {"id": "run-1"}, "index": 0, "task": "x"}
    )


def test_a_task_with_no_answer_at_its_deadline_times_the_run_out() -> None:
    assert sequencer.late(run(), task(), _late()) is None
    assert sequencer.late(run(), None, _late()) is None  # never stored, so never sent


def test_a_task_answered_in_time_keeps_the_execution_waiting_with_the_new_token() -> None:
    for waiting in (task(started=1), task(finished=1), task(held=True), task(released=True)):
        decision = sequencer.late(run(), waiting, _late())
        assert decision == sequencer.KeepWaiting(triggered_id="task-1", token="token-9")


def test_a_task_closed_as_its_deadline_passed_resumes_the_new_token_with_its_outcome() -> None:
    outcome = {"result": "pass", "status": "succeeded"}
    decision = sequencer.late(run(), task(open=False, outcome=outcome), _late())
    assert isinstance(decision, sequencer.Nothing)
    assert decision.effects == (ResumeTask(token="token-9", output=outcome),)
    expired = sequencer.late(run(), task(open=False), _late())
    assert isinstance(expired, sequencer.Nothing)
    assert expired.effects == ()


def test_a_late_task_of_an_ended_run_stops_its_execution() -> None:
    decision = sequencer.late(run(state=RunState.ABORTED), task(), _late())
    assert isinstance(decision, sequencer.Nothing)
    assert [type(effect) for effect in decision.effects] == [StopExecution]
    assert isinstance(sequencer.late(None, task(), _late()), sequencer.Nothing)


# -- answer deadlines as delayed messages (tasks sent late, machines compiled before) ---------


def _deadline(due: str) -> DeadlineMessage:
    return DeadlineMessage.model_validate({"kind": "deadline", "triggeredId": "task-1", "due": due})


def test_a_deadline_still_ahead_is_scheduled_again_for_its_rest() -> None:
    decision = sequencer.deadline_reached(task(), _deadline(LATER), NOW)
    assert isinstance(decision, sequencer.Nothing)
    assert decision.effects == (ScheduleDeadline(triggered_id="task-1", due=LATER),)


def test_a_deadline_passed_times_the_run_out() -> None:
    assert sequencer.deadline_reached(task(), _deadline(EARLIER), NOW) is None
    assert sequencer.deadline_reached(task(), _deadline(NOW), NOW) is None  # due is now


def test_a_deadline_of_an_answered_closed_or_held_task_does_nothing() -> None:
    for state in (task(started=1), task(finished=1), task(open=False), task(held=True), None):
        decision = sequencer.deadline_reached(state, _deadline(EARLIER), NOW)
        assert isinstance(decision, sequencer.Nothing)
        assert decision.effects == ()


def test_a_timed_out_task_without_run_is_closed() -> None:
    decision = sequencer.orphan(task())
    assert decision.effects == (AbandonTask(triggered_id="task-1"),)


# -- skip and resume ---------------------------------------------------------------------------


def test_a_skip_completes_the_waiting_task_as_passed_with_who_and_why() -> None:
    waiting = task(started=1)
    decision = sequencer.skip(with_current(run(), waiting), waiting, "ops", "stuck", NOW)
    assert isinstance(decision, sequencer.CloseTask)
    assert decision.completed.data == {"message": "skipped by ops: stuck"}
    assert (decision.started, decision.finished) == (1, 0)
    [event] = decision.effects
    assert isinstance(event, Publish)
    assert event.event["id"] == stable_id("task-1", "skipped")
    assert decision.resumes == (
        ResumeTask(token="token-1", output={"result": "pass", "status": "succeeded"}),
    )


def test_an_approval_is_not_skipped_and_a_skipped_task_is_settled() -> None:
    approval = task(name="approval")
    decision = sequencer.skip(with_current(run(), approval), approval, "", "", NOW)
    assert isinstance(decision, sequencer.Nothing)
    assert isinstance(sequencer.skip(run(), None, "", "", NOW), sequencer.Nothing)
    closed = task(open=False)
    retried = sequencer.skip(with_current(run(), closed), closed, "", "", NOW)
    assert isinstance(retried, sequencer.SettleTask)


def test_a_resumed_held_task_gets_its_deadline_from_now_then_is_sent() -> None:
    held = task(held=True)
    decision = sequencer.resume(run(), held, NOW, WAIT)
    assert isinstance(decision, sequencer.Release)
    assert decision.deadline == LATER
    deadline, publish = decision.effects
    assert deadline == ScheduleDeadline(triggered_id="task-1", due=LATER)
    assert isinstance(publish, Publish)
    assert publish.event["id"] == "task-1"
    assert publish.event["time"] == NOW


def test_resuming_a_task_not_held_settles_what_an_earlier_resume_left() -> None:
    sent = task(outbox={"a/01/publish:task-1": "{}"})
    decision = sequencer.resume(run(), sent, NOW, WAIT)
    assert isinstance(decision, sequencer.SettleTask)
    assert decision.outbox == sent.outbox
    assert isinstance(sequencer.resume(run(), None, NOW, WAIT), sequencer.Nothing)


# -- approvals ---------------------------------------------------------------------------------


def test_an_approval_decision_is_sent_as_its_finished_with_who_and_when() -> None:
    decision = sequencer.approval_decision(run(), "task-1", "approve", "", "alice", NOW)
    assert decision.decision == {
        "decision": "approve",
        "decidedBy": "alice",
        "decidedAt": NOW,
        "comment": "",
    }
    (event,) = _events(decision)
    assert event["id"] == stable_id("task-1", "decision")
    assert event["source"] == sequencer.DECISION_SOURCE
    assert event["triggeredid"] == "task-1"
    data = event["data"]
    assert isinstance(data, dict)
    assert (data["result"], data["status"], data["message"]) == (
        "pass",
        "succeeded",
        "approved by alice",
    )


def test_a_declined_approval_fails_with_the_comment_as_message() -> None:
    decision = sequencer.approval_decision(run(), "task-1", "decline", "not now", "bob", NOW)
    (event,) = _events(decision)
    data = event["data"]
    assert isinstance(data, dict)
    assert (data["result"], data["message"]) == ("fail", "not now")
