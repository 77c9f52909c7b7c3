"""The executor's record of one deployment, release or rollback task: what was decided when the
task arrived (target, strategy, artifact, what ran before), how far it got, and the `.finished`
it decided, so a redelivered event or a crashed step finishes the same work with the same ids.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.deployments import Artifact, Routing, Strategy
from chalicelib.domain.targets import TargetSpec


class Phase(StrEnum):
    STARTED = "started"  # decided, `.started` sent; the target is being changed
    CANARY = "canary"  # the new version is staged and the canary's execution runs
    FINISHED = "finished"  # the `.finished` is decided (kept here to send it again)


class StepRecord(BaseModel):
    """One canary step as it went: when its weight was set, and its evaluation."""

    model_config = ConfigDict(frozen=True)

    index: int  # 1-based, as the messages say it
    weight: float
    shifted: str = ""  # when the weight was set (Keptn's time format): the evaluation's start
    evaluation_id: str = ""
    result: str = ""
    score: float | None = None
    failing: list[str] = Field(default_factory=list)
    message: str = ""


class Finish(BaseModel):
    """The task's `.finished` as decided: result, status, message and the task's own block."""

    model_config = ConfigDict(frozen=True)

    result: str
    status: str
    message: str
    data: dict[str, Any] = Field(default_factory=dict)
    version: str | None = None  # the version the task put in place or restored, if any


class DeploymentRecord(BaseModel):
    """One task the executor took on, keyed by its `.triggered` event's id."""

    model_config = ConfigDict(frozen=True)

    id: str
    task: str  # deployment | release | rollback
    project: str
    stage: str
    service: str
    keptn_context: str
    gitcommitid: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    target: TargetSpec
    strategy: Strategy
    artifact: Artifact = Field(default_factory=Artifact)
    previous: Routing | None = None  # what ran when the task arrived
    version: str | None = None  # the version this task deploys, releases or restores
    # release and rollback: the version this run's deployment replaced (its previousVersion)
    replaced: str | None = None
    steps: list[StepRecord] = Field(default_factory=list)
    phase: Phase = Phase.STARTED
    finish: Finish | None = None
    created: str = ""
    revision: int = 0  # bumped by every write; a write expects the one it read

    def scope_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "project": self.project,
            "stage": self.stage,
            "service": self.service,
        }
        if self.labels:
            data["labels"] = dict(self.labels)
        return data

    def step(self, index: int) -> StepRecord | None:
        return next((step for step in self.steps if step.index == index), None)

    def with_step(self, step: StepRecord) -> DeploymentRecord:
        steps = [kept for kept in self.steps if kept.index != step.index] + [step]
        return self.model_copy(update={"steps": sorted(steps, key=lambda item: item.index)})


class EvaluationWaiter(BaseModel):
    """A canary step waiting for its evaluation: the execution's task token, kept private."""

    model_config = ConfigDict(frozen=True)

    evaluation_id: str
    deployment_id: str
    step: int
    token: str
