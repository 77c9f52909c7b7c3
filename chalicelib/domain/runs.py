"""Sequence executions ("runs") and their tasks, as the control plane keeps them."""

from __future__ import annotations

import hashlib
import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RUN_NAMESPACE = uuid.UUID("0c6b8f5e-2d7a-4a57-9a2f-3b1c5e8d9f40")


class RunState(StrEnum):
    """Keptn's sequence execution states (reference 3.2)."""

    TRIGGERED = "triggered"  # accepted, queued behind another run of the same service and stage
    STARTED = "started"
    WAITING_FOR_APPROVAL = "waitingForApproval"
    PAUSED = "paused"
    FINISHED = "finished"
    TIMED_OUT = "timedOut"
    ABORTED = "aborted"


FINAL_STATES = frozenset({RunState.FINISHED, RunState.TIMED_OUT, RunState.ABORTED})


class Scope(BaseModel):
    """What one run is about: project, stage and service (the unit of queueing)."""

    model_config = ConfigDict(frozen=True)

    project: str
    stage: str
    service: str

    @property
    def key(self) -> str:
        return f"{self.project}\x1f{self.stage}\x1f{self.service}"


class CompletedTask(BaseModel):
    """A finished task of a run: its aggregated outcome and merged `.finished` data."""

    model_config = ConfigDict(frozen=True)

    name: str
    triggered_id: str
    result: str
    status: str
    data: dict[str, Any] = Field(default_factory=dict)


class CurrentTask(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    name: str
    triggered_id: str


class Run(BaseModel):
    """One execution of a shipyard sequence for one service in one stage."""

    id: str
    scope: Scope
    sequence: str
    keptn_context: str
    triggered_id: str  # id of the `<stage>.<sequence>.triggered` event
    git_commit: str
    created: str  # trigger time, Keptn format; orders the queue
    # The state machine of `git_commit`'s version of the sequence ("" for runs stored before
    # machines were versioned: the sequence's unversioned machine).
    machine: str = ""
    input: dict[str, Any] = Field(default_factory=dict)
    state: RunState = RunState.TRIGGERED
    completed: list[CompletedTask] = Field(default_factory=list)
    current: CurrentTask | None = None
    execution_arn: str | None = None
    result: str | None = None
    status: str | None = None
    # Paused by a user: the run keeps its place, and its next task waits until resumed.
    paused: bool = False
    # The project's answer deadline when the run started; None: the deployment's default.
    task_wait_seconds: int | None = None
    # Effects of the run's last decision not yet carried out (chalicelib/domain/effects.py).
    outbox: dict[str, str] = Field(default_factory=dict)


class TaskRecord(BaseModel):
    """A dispatched task: the private Step Functions token and the answers counted so far."""

    triggered_id: str
    run_id: str
    index: int
    name: str
    token: str
    event_type: str
    dispatched: str
    started: int = 0
    finished: int = 0
    finished_data: list[dict[str, Any]] = Field(default_factory=list)
    open: bool = True
    # The task's shipyard properties (JSON text), to build its event when a held one is released.
    properties: str = "{}"
    # Dispatched while its run was paused: stored, not yet sent.
    held: bool = False
    # A person's decision on an approval: {decision, decidedBy, decidedAt, comment}.
    decision: dict[str, str] | None = None
    # Keys (source + id) of the answers counted.
    seen: list[str] = Field(default_factory=list)
    # Effects of the task's last decision not yet carried out (chalicelib/domain/effects.py).
    outbox: dict[str, str] = Field(default_factory=dict)
    # Tokens the execution waited on this task with after the first (a dispatch state retried
    # by Step Functions, or the wait that goes on after the answer deadline): each is resumed.
    later_tokens: list[str] = Field(default_factory=list)
    # What the execution goes on with once the task closed ({result, status}); a closed task
    # with an outcome resumes every token it has (a used token is refused, so this repeats
    # safely).
    outcome: dict[str, Any] | None = None
    # The task as it completed (answered or skipped), until its run's record takes it over.
    completion: CompletedTask | None = None
    # Held while its run was paused and sent later: its answer deadline is the control
    # plane's own (a delayed message), not the state machine's.
    released: bool = False

    @property
    def tokens(self) -> list[str]:
        return [self.token, *(t for t in self.later_tokens if t != self.token)]

    @property
    def answered(self) -> bool:
        return bool(self.started or self.finished)


def run_id_for(source: str, event_id: str) -> str:
    """Deterministic from the trigger: a second delivery of it maps to the same run.

    Used as the Step Functions execution name, so it is short and made of safe characters.
    """
    return hashlib.sha256(f"{source}\x1f{event_id}".encode()).hexdigest()[:40]


def task_triggered_id(run_id: str, index: int) -> str:
    """Deterministic id of a task's `.triggered` event: a redelivered dispatch reuses it."""
    return str(uuid.uuid5(RUN_NAMESPACE, f"{run_id}/{index}"))
