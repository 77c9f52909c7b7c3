"""What people ask of the lighthouse through the API: start an evaluation, read the history,
invalidate a run, and choose the project's SLI provider."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.evaluations import EvaluationRecord, MonitoringSettings
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.secrets import DEFAULT_SCOPE
from chalicelib.engine.lighthouse import window_from_parameters
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.ports import ConfigStore, EvaluationStore, SecretStore
from chalicelib.services.bodies import parse_body
from chalicelib.services.intake import IntakeDeps, accept_event
from chalicelib.services.resources import check_scope

API_SOURCE = "api"


class EvaluationParams(BaseModel):
    """Keptn's CreateEvaluationParams (POST .../evaluation)."""

    model_config = ConfigDict(extra="forbid")

    start: str = ""
    end: str = ""
    timeframe: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    gitcommitid: str = ""


def trigger_evaluation(
    scope: ResourceScope,
    body: dict[str, Any],
    now: datetime,
    config: ConfigStore,
    intake: IntakeDeps,
    submitter: str,
) -> KeptnEvent:
    """Send `<stage>.evaluation.triggered` for the service (the built-in evaluation sequence).

    The window is resolved here with the lighthouse's rules, so a bad one is a 400 now rather
    than a failed evaluation later.
    """
    params = parse_body(EvaluationParams, body)
    start, end = window_from_parameters(params.start, params.end, params.timeframe, now)
    check_scope(scope, config)
    data: dict[str, Any] = {
        "project": scope.project,
        "stage": scope.stage,
        "service": scope.service,
        "evaluation": {"start": start, "end": end},
    }
    if params.labels:
        data["labels"] = params.labels
    attributes: dict[str, Any] = {
        "source": API_SOURCE,
        "type": f"sh.keptn.event.{scope.stage}.evaluation.triggered",
        "data": data,
    }
    if params.gitcommitid:
        attributes["gitcommitid"] = params.gitcommitid
    return accept_event(attributes, intake, submitter)


def evaluation_history(
    scope: ResourceScope, limit: int, config: ConfigStore, evaluations: EvaluationStore
) -> list[dict[str, Any]]:
    """The newest `limit` evaluations of the service, newest first, invalidated ones marked."""
    check_scope(scope, config)
    records = evaluations.history(scope.project, str(scope.stage), str(scope.service), limit)
    return [history_entry(record) for record in records]


def history_entry(record: EvaluationRecord) -> dict[str, Any]:
    """One evaluation as the API shows it: ids, time and the evaluation.finished data."""
    return {
        "id": record.evaluation_id,
        "eventId": record.event_id,
        "keptnContext": record.keptn_context,
        "time": record.time,
        "gitcommitid": record.gitcommitid,
        "invalidated": record.invalidated,
        **record.data,
    }


def configure_monitoring(
    project: str,
    body: dict[str, Any],
    config: ConfigStore,
    evaluations: EvaluationStore,
    secrets: SecretStore,
) -> MonitoringSettings:
    """Choose the SLI provider of `project` (Keptn's `keptn configure monitoring`)."""
    settings = parse_body(MonitoringSettings, body)
    check_scope(ResourceScope(project=project), config)
    if settings.secret and secrets.read(settings.secret, DEFAULT_SCOPE) is None:
        raise InvalidInput(
            f"secret: '{settings.secret}' does not exist; create it first "
            f"(qm create secret {settings.secret} --from-literal user=... "
            "--from-literal password=...)"
        )
    evaluations.put_monitoring(project, settings)
    return settings


def monitoring_of(
    project: str, config: ConfigStore, evaluations: EvaluationStore
) -> MonitoringSettings:
    check_scope(ResourceScope(project=project), config)
    settings = evaluations.get_monitoring(project)
    if settings is None:
        raise NotFound(
            f"project '{project}' has no SLI provider; evaluations pass without measuring until "
            f"one is set (qm configure monitoring cloudwatch --project {project})"
        )
    return settings
