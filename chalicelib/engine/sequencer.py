"""The sequencer: pure decisions from the state a service loaded and one input to a Decision
(chalicelib/engine/sequencing/decisions.py), the state change to write with its effects.

Inputs and their functions:

- a dispatch message: `dispatch`;
- a task's answer, once counted: `completion` (or `recount` when the store had counted it); a
  `.finished` that closes its task as it is counted: `finished_alone`, then `resumptions`;
- a task's expiry (`timeout` message): `expiry`;
- a task's answer deadline, passed in its state machine (`late` message): `late`, then
  `end_run(run, no_answer_end(type), unanswered=...)` when the task got no answer;
- a task's answer deadline as a delayed message (tasks sent late): `deadline_reached`, then
  `end_run(...)` likewise, or `orphan(task)`;
- the state machine's end (`finished` message): `finish_outcome`, then `end_run`;
- an execution's status change: `end_run(run, execution_end(...))`;
- a user's control: `end_run(run, abort_end())`, `skip`, `resume`;
- a person's decision on an approval: `approval_decision`.

No ports, no I/O, no clock: `now` comes in as Keptn's time text.
"""

from __future__ import annotations

from chalicelib.engine.sequencing.deadlines import (
    answer_deadline,
    deadline_reached,
    expiry,
    late,
    orphan,
)
from chalicelib.engine.sequencing.decisions import (
    CloseTask,
    CreateTask,
    Decision,
    EndRun,
    ExpireTask,
    KeepWaiting,
    Nothing,
    RecordDecision,
    Release,
    SettleRun,
    SettleTask,
)
from chalicelib.engine.sequencing.ending import (
    RunEnd,
    abort_end,
    end_run,
    execution_end,
    finish_outcome,
    no_answer_end,
)
from chalicelib.engine.sequencing.events import APPROVAL, DECISION_SOURCE
from chalicelib.engine.sequencing.tasks import (
    DECISIONS,
    approval_decision,
    completion,
    dispatch,
    finished_alone,
    recount,
    resume,
    resumptions,
    settled,
    skip,
    with_completion,
)
from chalicelib.engine.sequencing.triggers import (
    CreateRun,
    Refuse,
    new_run,
    refusal,
    sequence_problem,
)

__all__ = [
    "APPROVAL",
    "DECISIONS",
    "DECISION_SOURCE",
    "CloseTask",
    "CreateRun",
    "CreateTask",
    "Decision",
    "EndRun",
    "ExpireTask",
    "KeepWaiting",
    "Nothing",
    "RecordDecision",
    "Refuse",
    "Release",
    "RunEnd",
    "SettleRun",
    "SettleTask",
    "abort_end",
    "answer_deadline",
    "approval_decision",
    "completion",
    "deadline_reached",
    "dispatch",
    "end_run",
    "execution_end",
    "expiry",
    "finish_outcome",
    "finished_alone",
    "late",
    "new_run",
    "no_answer_end",
    "orphan",
    "recount",
    "refusal",
    "resume",
    "resumptions",
    "sequence_problem",
    "settled",
    "skip",
    "with_completion",
]
