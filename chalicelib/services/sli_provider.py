"""The built-in SLI providers' service: answers get-sli.triggered for `cloudwatch` and
`prometheus` as a Keptn SLI provider would (get-sli.started, then get-sli.finished with one
value per SLI). Queries come from `sli.yaml`; see docs/sli-providers.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.evaluations import BUILT_IN_PROVIDERS
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.secrets import DEFAULT_SCOPE
from chalicelib.domain.sli import SliFile
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.domain.urls import without_userinfo
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.lighthouse import IndicatorValue
from chalicelib.errors import NotFound, QuartermasterError
from chalicelib.ports import (
    ConfigStore,
    EvaluationStore,
    EventBus,
    PrometheusAccess,
    SecretStore,
    SliSource,
)
from chalicelib.services.lighthouse.common import GET_SLI, scope_of
from chalicelib.services.sequencing.common import answer_task

SLI_FILE = "sli.yaml"


@dataclass(frozen=True)
class ProviderDeps:
    bus: EventBus
    config: ConfigStore
    evaluations: EvaluationStore
    secrets: SecretStore
    clock: Callable[[], datetime]
    cloudwatch: Callable[[], SliSource]  # the CloudWatch provider, made when first asked
    prometheus: Callable[[PrometheusAccess], SliSource]  # a project's Prometheus provider

    def now(self) -> str:
        return format_time(self.clock())


def on_get_sli_triggered(event: KeptnEvent, deps: ProviderDeps) -> bool:
    """Measure the SLIs if the request names a built-in provider; False when it does not."""
    get_sli = event.data.get("get-sli") or {}
    provider_name = get_sli.get("sliProvider") if isinstance(get_sli, dict) else None
    if provider_name not in BUILT_IN_PROVIDERS:
        return False
    source = f"{provider_name}-sli-provider"
    _answer(event, "started", {**scope_of(event), "status": "succeeded"}, source, deps)
    try:
        request = SliRequest.from_get_sli_triggered(event.data)
    except ValidationError as error:
        problem = "; ".join(
            str(item["msg"]).removeprefix("Value error, ") for item in error.errors()
        )
        _finish_errored(event, f"get-sli.triggered is not valid: {problem}", source, deps)
        return True
    try:
        queries = sli_queries(event, str(provider_name), deps.config)
        values = _measure(str(provider_name), request, queries, deps)
    except QuartermasterError as error:
        _finish_errored(event, error.message, source, deps)
        return True
    _answer(
        event,
        "finished",
        {
            **scope_of(event),
            "status": "succeeded",
            "result": "pass",
            "get-sli": {
                "start": get_sli.get("start"),
                "end": get_sli.get("end"),
                "indicatorValues": [value.model_dump(mode="json") for value in values],
            },
        },
        source,
        deps,
    )
    return True


def sli_queries(event: KeptnEvent, provider: str, config: ConfigStore) -> dict[str, str]:
    """SLI name -> query: `<provider>/sli.yaml` (or `sli.yaml`) of the project, then the stage,
    then the service, at the run's commit; the more specific level wins, as in Keptn."""
    project = str(event.data.get("project") or "")
    stage = str(event.data.get("stage") or "")
    service = str(event.data.get("service") or "")
    queries: dict[str, str] = {}
    for scope in (
        ResourceScope(project=project),
        ResourceScope(project=project, stage=stage),
        ResourceScope(project=project, stage=stage, service=service),
    ):
        for uri in (f"{provider}/{SLI_FILE}", SLI_FILE):
            resource = config.get_resource(scope, uri, event.gitcommitid or None)
            if resource is not None:
                text = resource.content.decode("utf-8", errors="replace")
                queries.update(parse_document(text, SliFile, uri).indicators)
                break
    return queries


def _measure(
    name: str, request: SliRequest, queries: Mapping[str, object], deps: ProviderDeps
) -> list[IndicatorValue]:
    source = (
        deps.cloudwatch()
        if name == "cloudwatch"
        else deps.prometheus(_prometheus(request.project, deps))
    )
    try:
        return source.get_sli_values(request, queries)
    finally:
        source.close()


def _prometheus(project: str, deps: ProviderDeps) -> PrometheusAccess:
    settings = deps.evaluations.get_monitoring(project)
    if settings is None or "prometheus" not in settings.providers or not settings.url:
        raise NotFound(
            f"project '{project}' has no Prometheus URL; set one with qm configure monitoring "
            f"prometheus --project {project} --url http://..."
        )
    credentials: dict[str, str] = {}
    if settings.secret:
        secret = deps.secrets.read(settings.secret, DEFAULT_SCOPE)
        if secret is None:
            raise NotFound(
                f"secret '{settings.secret}' (Prometheus credentials of project '{project}') "
                "does not exist"
            )
        credentials = secret.data
    return PrometheusAccess(
        url=settings.url,
        username=credentials.get("user"),
        password=credentials.get("password"),
        bearer_token=credentials.get("token"),
    )


def _finish_errored(event: KeptnEvent, message: str, source: str, deps: ProviderDeps) -> None:
    # The message goes on the bus and into the event store: never with a URL's credentials.
    shown = without_userinfo(message)
    data = {**scope_of(event), "status": "errored", "result": "fail", "message": shown}
    _answer(event, "finished", data, source, deps)


def _answer(
    event: KeptnEvent, phase: str, data: dict[str, Any], source: str, deps: ProviderDeps
) -> None:
    answer_task(deps, event, GET_SLI, phase, data, source)
