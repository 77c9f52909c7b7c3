"""What the lighthouse's steps share: dependencies, its answers, and finishing an evaluation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.evaluations import LIGHTHOUSE_SOURCE, EvaluationRecord
from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.engine.lighthouse import EvaluationOutcome
from chalicelib.observability import count
from chalicelib.ports import ConfigStore, EvaluationStore, EventBus, SecretStore
from chalicelib.services.sequencing.common import answer_task, stable_id

EVALUATION = "evaluation"
GET_SLI = "get-sli"


@dataclass(frozen=True)
class LighthouseDeps:
    bus: EventBus
    config: ConfigStore
    evaluations: EvaluationStore
    secrets: SecretStore
    clock: Callable[[], datetime]

    def now(self) -> str:
        return format_time(self.clock())


def scope_of(event: KeptnEvent) -> dict[str, Any]:
    """project/stage/service (and labels) of an event, for the events answering it."""
    data = {key: event.data.get(key) for key in ("project", "stage", "service")}
    labels = event.data.get("labels")
    if isinstance(labels, dict) and labels:
        data["labels"] = labels
    return data


def answer(
    triggered: KeptnEvent, phase: str, data: dict[str, Any], deps: LighthouseDeps
) -> KeptnEvent:
    """The lighthouse's `evaluation.<phase>` for `triggered`."""
    return answer_task(deps, triggered, EVALUATION, phase, data, LIGHTHOUSE_SOURCE)


def finish(
    triggered: KeptnEvent,
    outcome: EvaluationOutcome,
    deps: LighthouseDeps,
    labels: dict[str, Any] | None = None,
) -> EvaluationRecord:
    """Store the evaluation, then send evaluation.finished.

    Stored first: a failure in between is retried, the store ignores the second write and the
    event goes out with the same id, so neither is ever lost nor doubled.
    """
    data = scope_of(triggered)
    if labels:
        data["labels"] = labels
    data.update(outcome.to_event_data())
    canary = canary_step(triggered)
    if canary is not None and isinstance(data.get("evaluation"), dict):
        data["evaluation"] = {**data["evaluation"], "canary": canary}
    record = EvaluationRecord(
        evaluation_id=triggered.id,
        event_id=stable_id(triggered.id, LIGHTHOUSE_SOURCE, "finished"),
        keptn_context=triggered.shkeptncontext,
        project=str(data.get("project") or ""),
        stage=str(data.get("stage") or ""),
        service=str(data.get("service") or ""),
        time=deps.now(),
        gitcommitid=triggered.gitcommitid or "",
        result=outcome.result,
        status=outcome.status,
        data=data,
        canary=canary is not None,
    )
    deps.evaluations.put_evaluation(record)
    answer(triggered, "finished", data, deps)
    count("EvaluationsFinished", result=outcome.result)
    return record


def canary_step(triggered: KeptnEvent) -> dict[str, Any] | None:
    """`evaluation.canary` of an evaluation a canary step asked for (its step, weight and
    version), which marks it as no baseline for later evaluations; None for any other."""
    evaluation = triggered.data.get("evaluation")
    canary = evaluation.get("canary") if isinstance(evaluation, dict) else None
    return canary if isinstance(canary, dict) else None


def get_sli_id(triggered: KeptnEvent) -> str:
    return stable_id(triggered.id, GET_SLI)


def get_sli_type(phase: str) -> str:
    return task_event_type(GET_SLI, phase)
