"""The operations on runs: sequence states and control, open task events, approvals, quality
gates and monitoring (http_sequences, approvals, lighthouse)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.domain.api.common import ApiModel, MessageBody
from chalicelib.domain.api.events import TriggeredEventList
from chalicelib.domain.api.runs import (
    ApprovalDecision,
    ApprovalRequest,
    EvaluationList,
    EvaluationStarted,
    SequenceControl,
)
from chalicelib.domain.evaluations import MonitoringSettings
from chalicelib.engine.sequence_view import SequenceStateView
from chalicelib.entrypoints.openapi.spec import ONE_PAGE, Operation, Query, integer
from chalicelib.services.lighthouse.requests import EvaluationParams

TIME = "an RFC 3339 timestamp, e.g. 2026-05-02T10:00:00.000Z"
SERVICE = "/v1/project/{project}/stage/{stage}/service/{service}"


class SequenceStates(ApiModel):
    """Sequence states, one per keptn context, newest first."""

    states: list[SequenceStateView]
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")


OPERATIONS = [
    Operation(
        "GET",
        "/v1/sequence/{project}",
        "Sequence states per run",
        "sequences",
        SequenceStates,
        query=(
            Query("name", "only this sequence"),
            Query("state", "only runs in this state (triggered, started, finished, ...)"),
            Query("keptnContext", "only this run"),
            Query("fromTime", f"runs at or after this time: {TIME}"),
            Query("beforeTime", f"runs before this time: {TIME}"),
            Query("pageSize", "runs per page", integer(1, 50, 20)),
        ),
    ),
    Operation(
        "POST",
        "/v1/sequence/{project}/{keptn_context}/control",
        "Pause, resume or abort a run, or skip its current task",
        "sequences",
        MessageBody,
        body=SequenceControl,
    ),
    Operation(
        "GET",
        "/v1/event/triggered/{event_type}",
        "Open task .triggered events",
        "sequences",
        TriggeredEventList,
        query=(
            Query("project", "only this project (without it: every project's)"),
            Query("stage", "only this stage"),
            Query("service", "only this service"),
            Query("eventID", "only the event with this id"),
            ONE_PAGE,
        ),
    ),
    *(
        Operation(
            "POST",
            f"{prefix}/approval/{{triggered_id}}",
            "Approve or decline an open approval",
            "approvals",
            ApprovalDecision,
            body=ApprovalRequest,
            errors=(409, 410),
        )
        for prefix in ("/v1/project/{project}/stage/{stage}", SERVICE)
    ),
    Operation(
        "POST",
        f"{SERVICE}/evaluation",
        "Start a quality gate",
        "quality gates",
        EvaluationStarted,
        body=EvaluationParams,
    ),
    Operation(
        "GET",
        f"{SERVICE}/evaluation",
        "Stored evaluations, newest first",
        "quality gates",
        EvaluationList,
        query=(Query("limit", "at most this many", integer(1, 100, 10)),),
    ),
    Operation(
        "GET",
        "/v1/project/{project}/monitoring",
        "The project's SLI provider",
        "quality gates",
        MonitoringSettings,
    ),
    Operation(
        "PUT",
        "/v1/project/{project}/monitoring",
        "Choose the project's SLI provider",
        "quality gates",
        MonitoringSettings,
        body=MonitoringSettings,
    ),
]
