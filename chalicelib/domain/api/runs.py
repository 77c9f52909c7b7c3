"""Bodies of the routes that act on runs: sequence control, approval decisions, and quality
gates (start one, read the history)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel


class SequenceControl(ApiModel):
    """Pause, resume, abort a run, or skip its current task."""

    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": [{"state": "pause", "stage": "dev"}]}
    )

    state: Literal["pause", "resume", "abort", "skip"]
    stage: str | None = Field(default=None, description="only this stage; all when absent")
    reason: str = Field(default="", description="kept in the audit trail")


class ApprovalRequest(ApiModel):
    """A human decision on an open approval."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"decision": "approve", "comment": "looks good"}]},
    )

    decision: Literal["approve", "decline"]
    comment: str = ""


class ApprovalDecision(ApiModel):
    """The recorded decision (it cannot be changed)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "keptnContext": "3a4b1f2e-8f0c-4d6e-9a51-2b7c0e1d9f00",
                    "decision": "approve",
                    "decidedBy": "admin",
                    "decidedAt": "2026-05-02T10:00:00.000Z",
                    "comment": "looks good",
                }
            ]
        }
    )

    keptn_context: str = Field(alias="keptnContext")
    decision: Literal["approve", "decline"]
    decided_by: str = Field(alias="decidedBy", description="the name of the deciding token")
    decided_at: str = Field(alias="decidedAt")
    comment: str


class EvaluationStarted(ApiModel):
    keptn_context: str = Field(alias="keptnContext")


class EvaluationEntry(ApiModel):
    """One stored evaluation: its ids and time, then its `evaluation.finished` data (project,
    stage, service, result, evaluation with score and indicatorResults, ...)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="the evaluation.triggered id")
    event_id: str = Field(alias="eventId", description="the evaluation.finished id")
    keptn_context: str = Field(alias="keptnContext")
    time: str
    gitcommitid: str
    invalidated: bool


class EvaluationList(ApiModel):
    """Stored evaluations, newest first."""

    evaluations: list[EvaluationEntry]
