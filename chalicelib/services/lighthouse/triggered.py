"""evaluation.triggered: window, SLO file at the run's commit, then ask the SLI provider
(reference 4.1 steps 1-5, 4.2). Every way this can end early is an evaluation.finished."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.documents import summarize_problems
from chalicelib.domain.evaluations import PendingEvaluation
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.slo import SloFile
from chalicelib.domain.yamldoc import InvalidDocument, parse_document
from chalicelib.engine.lighthouse import (
    WindowError,
    effective_objectives,
    errored,
    no_sli_provider,
    resolve_window,
    slo_unreadable,
)
from chalicelib.errors import InvalidInput, NotFound, QuartermasterError
from chalicelib.services.lighthouse.common import (
    LighthouseDeps,
    answer,
    finish,
    get_sli_id,
    get_sli_type,
    scope_of,
)
from chalicelib.services.projects import get_service
from chalicelib.services.sequencing.common import publish

SLO_FILE = "slo.yaml"


def on_evaluation_triggered(event: KeptnEvent, deps: LighthouseDeps) -> None:
    answer(event, "started", {**scope_of(event), "status": "succeeded"}, deps)
    data = event.data
    try:
        start, end = resolve_window(_block(data, "evaluation"), _block(data, "test"), deps.clock())
    except WindowError as error:
        finish(event, errored(error.message), deps)
        return
    # Keptn's order: the window, then the SLO file (an unreadable one wins over a missing SLI
    # provider), then the provider; the window's start and end are reported from here on.
    try:
        slo_text = read_slo(event, deps)
        slo = parse_document(slo_text, SloFile, SLO_FILE) if slo_text is not None else None
    except InvalidDocument as error:
        # Bounded like an upload's answer: a broken file must not make an oversized event.
        finish(event, slo_unreadable(summarize_problems(error.lines), start, end), deps)
        return
    except QuartermasterError as error:
        finish(event, slo_unreadable(error.message, start, end), deps)
        return
    project = str(data.get("project"))
    monitoring = deps.evaluations.get_monitoring(project)
    if monitoring is None:
        finish(event, no_sli_provider(project, start, end), deps)
        return
    request_id = get_sli_id(event)
    # Kept before asking, so the answer always finds it, however fast the provider is.
    deps.evaluations.put_pending(
        PendingEvaluation(
            get_sli_id=request_id,
            triggered=event.to_wire(),
            slo=slo_text,
            start=start,
            end=end,
        )
    )
    publish(
        deps,
        event_id=request_id,
        event_type=get_sli_type("triggered"),
        context=event.shkeptncontext,
        gitcommitid=event.gitcommitid,
        data={
            **scope_of(event),
            "deployment": _deployment(data),
            "get-sli": {
                "sliProvider": monitoring.provider,
                "start": start,
                "end": end,
                "indicators": [objective.sli for objective in effective_objectives(slo)]
                if slo is not None
                else [],
                "customFilters": _custom_filters(data, slo),
            },
        },
    )


def read_slo(event: KeptnEvent, deps: LighthouseDeps) -> str | None:
    """slo.yaml of the event's service and stage at the run's commit; None when there is none.
    A missing project, stage or service raises NotFound (an errored evaluation in Keptn)."""
    scope = ResourceScope(
        project=str(event.data.get("project") or ""),
        stage=str(event.data.get("stage") or ""),
        service=str(event.data.get("service") or ""),
    )
    resource = deps.config.get_resource(scope, SLO_FILE, event.gitcommitid or None)
    if resource is None:
        _check_scope(scope, deps)
        return None
    try:
        return resource.content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SloNotText(f"{SLO_FILE} is not UTF-8 text ({error.reason})") from error


def _check_scope(scope: ResourceScope, deps: LighthouseDeps) -> None:
    """Raise NotFound in Keptn's words ("service cart not found"), which the evaluation's
    message carries after "error retrieving SLO file: "."""
    project = deps.config.get_project(scope.project)
    if project is None:
        raise NotFound(f"project {scope.project} not found")
    if scope.stage not in project.stages:
        raise NotFound(f"stage {scope.stage} not found")
    try:
        get_service(project, scope.service or "", deps.config)
    except NotFound:
        raise NotFound(f"service {scope.service} not found") from None


class SloNotText(InvalidInput):
    """The stored slo.yaml cannot be decoded."""


def _block(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None


def _custom_filters(data: dict[str, Any], slo: SloFile | None) -> list[dict[str, str]]:
    """The SLO file's `filter`, after the placeholders of the deployment target the run's
    deployment reported (`deployment.target`: $FUNCTION, $ALIAS, $VERSION for Lambda); the SLO
    file's entries win, as they are the user's own."""
    filters: dict[str, Any] = {}
    deployment = data.get("deployment")
    target = deployment.get("target") if isinstance(deployment, dict) else None
    # Only the stage's own deployment: a run's payload carries an earlier stage's on.
    if isinstance(target, dict) and target.get("stage") in (None, data.get("stage")):
        filters.update(
            (key.upper(), value)
            for key, value in target.items()
            if key not in ("type", "stage") and isinstance(value, str) and value
        )
    if slo is not None:
        filters.update(slo.filter or {})
    return [{"key": key, "value": value} for key, value in filters.items()]


def _deployment(data: dict[str, Any]) -> str:
    """The first deploymentNames entry of the run's deployment, as Keptn sends it."""
    deployment = data.get("deployment")
    if isinstance(deployment, dict):
        names = deployment.get("deploymentNames")
        if isinstance(names, list) and names and isinstance(names[0], str):
            return names[0]
    return ""
