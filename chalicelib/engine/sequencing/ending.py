"""How runs end: by their state machine's last message, a task's answer deadline, an
execution's status change, or a user's abort; and what follows (reference 3.5, 3.6, 1.4).

Timed-out and aborted runs never chain, nor do runs whose execution failed; finished ones
chain on their result and last task.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.effects import AbandonTask, Effect, FreeScope, StopExecution
from chalicelib.domain.messages import FinishedMessage, LastResult
from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.runs import FINAL_STATES, Run, RunState, TaskRecord
from chalicelib.domain.shipyard import Shipyard
from chalicelib.engine.sequencing.decisions import Decision, EndRun, SettleRun
from chalicelib.engine.sequencing.events import chained_events, finished_event
from chalicelib.engine.sequencing.tasks import completed_tail, with_completion

NO_ANSWER = (
    "sequence timed out while waiting for task {type} to receive a correlating "
    ".started or .finished event"
)
ABORTED = "sequence aborted by a user"


class RunEnd(BaseModel):
    """How a run ends: its final state, result and status, the `.finished` message, the cause
    its execution is stopped with (None: not stopped) and whether it may chain."""

    model_config = ConfigDict(frozen=True)

    state: RunState
    result: str
    status: str
    message: str
    stop: str | None = None
    chain: bool = True

    @property
    def chains(self) -> bool:
        """Whether sequences follow it (the shipyard is needed to say which)."""
        return self.state is RunState.FINISHED and self.chain


def finish_outcome(
    run: Run, message: FinishedMessage, last_task: TaskRecord | None = None
) -> RunEnd | SettleRun:
    """The end the state machine reports (then `end_run`, with `last_task` as its `last`: the
    run's current task, whose completion its record may not hold yet); for a run that has
    ended already (a redelivery), what that end left undone."""
    if run.state in FINAL_STATES:
        return _ended(run)
    run = with_completion(run, last_task)
    last = message.last or LastResult()
    # A task that expired with `onTimeout: pass` lets the sequence go on, to its end too.
    if last.timed_out and last.result != Result.PASS:
        name = run.current.name if run.current else "?"
        return RunEnd(
            state=RunState.TIMED_OUT,
            result=Result.FAIL,
            status=Status.ERRORED,
            message=f"task {name} did not finish within its timeout",
        )
    return RunEnd(
        state=RunState.FINISHED, result=last.result, status=last.status, message=_last_message(run)
    )


def no_answer_end(event_type: str) -> RunEnd:
    """A task (its `.triggered` type) with no `.started` or `.finished` by its deadline times
    its run out."""
    return RunEnd(
        state=RunState.TIMED_OUT,
        result=Result.FAIL,
        status=Status.ERRORED,
        message=NO_ANSWER.format(type=event_type),
        stop="timed out",
    )


def abort_end(message: str = ABORTED, stop: str = "aborted by a user") -> RunEnd:
    """Keptn's values for an aborted run: `result: pass`, `status: aborted`; `message` and
    `stop` say why (a user, or the deletion of its project)."""
    return RunEnd(
        state=RunState.ABORTED,
        result=Result.PASS,
        status=Status.ABORTED,
        message=message,
        stop=stop,
    )


def execution_end(status: str, error: object = None, cause: object = None) -> RunEnd:
    """An execution that failed, timed out or was stopped without its run: nothing of the
    sequence's own outcome is known, so no chaining."""
    what = {"FAILED": "failed", "TIMED_OUT": "timed out", "ABORTED": "was stopped"}.get(
        status, status.lower()
    )
    message = f"the sequence's state machine execution {what}"
    particulars = ": ".join(str(part) for part in (error, cause) if part)
    reason = f"{message} ({particulars[:500]})" if particulars else message
    return RunEnd(
        state=RunState.FINISHED,
        result=Result.FAIL,
        status=Status.ERRORED,
        message=reason,
        chain=False,
    )


def end_run(
    run: Run,
    end: RunEnd,
    now: str,
    shipyard: Shipyard | None = None,
    last: TaskRecord | None = None,
    unanswered: str | None = None,
) -> Decision:
    """The end together with what follows from it: its `.finished`, closing its open task,
    stopping its execution, freeing its scope so the next run starts, and the chained
    sequences (from `shipyard`, which `end.chains` needs). `last` is the run's current task,
    whose completion the run's record may not hold yet; `unanswered`, a task that must still
    have no answer for the end to be written (a deadline's). A run that ended already only
    gets what that end left undone."""
    if run.state in FINAL_STATES:
        return _ended(run)
    tail = completed_tail(run, last)
    run = with_completion(run, last)
    effects: list[Effect] = [finished_event(run, end.result, end.status, end.message, now)]
    if not end.chains and run.current is not None:
        effects.append(AbandonTask(triggered_id=run.current.triggered_id))
    if end.stop and run.execution_arn:
        effects.append(StopExecution(execution_arn=run.execution_arn, cause=end.stop))
    effects.append(FreeScope(scope=run.scope, run_id=run.id))
    if end.chains:
        if shipyard is None:
            raise ValueError("a finished run chains: its shipyard is needed")
        effects.extend(chained_events(run, end.result, shipyard, now))
    return EndRun(
        run_id=run.id,
        state=end.state,
        result=end.result,
        status=end.status,
        completed_tail=tail,
        unanswered=unanswered,
        effects=effects,
    )


def _ended(run: Run) -> SettleRun:
    return SettleRun(run_id=run.id, outbox=run.outbox, reason=f"the run ended before ({run.state})")


def _last_message(run: Run) -> str:
    message = run.completed[-1].data.get("message") if run.completed else None
    return message if isinstance(message, str) else ""
