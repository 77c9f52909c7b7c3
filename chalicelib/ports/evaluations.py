"""Quality gates: SLI sources and the evaluation store (history, pending requests, monitoring
settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from chalicelib.domain.evaluations import (
        BaselineFilter,
        EvaluationRecord,
        MonitoringSettings,
        PendingEvaluation,
    )
    from chalicelib.domain.sli_queries import SliRequest
    from chalicelib.engine.lighthouse.models import IndicatorValue


class SliSource(Protocol):
    """A monitoring tool's SLI values (the built-in CloudWatch and Prometheus providers)."""

    def get_sli_values(
        self, request: SliRequest, queries: Mapping[str, object]
    ) -> list[IndicatorValue]:
        """One value per requested SLI, in the order of `request.indicators`."""
        ...

    def close(self) -> None:
        """Release what the source opened (HTTP connections)."""
        ...


class PrometheusAccess(BaseModel):
    """Where a project's Prometheus answers, and its credentials (from the project's secret)."""

    model_config = ConfigDict(frozen=True)

    url: str
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None


class EvaluationStore(Protocol):
    """Quality-gate evaluations, pending get-sli requests and monitoring settings."""

    def put_pending(self, pending: PendingEvaluation) -> None: ...

    def get_pending(self, get_sli_id: str) -> PendingEvaluation | None: ...

    def delete_pending(self, get_sli_id: str) -> None: ...

    def record_part(self, group: str, part: str, answer: dict[str, Any]) -> dict[str, Any]:
        """Keep one provider's answer (`part`, its get-sli id) to an evaluation asked of several
        providers (`group`); every answer kept so far, by part, this one included. Recording
        the same part again replaces it."""
        ...

    def delete_parts(self, group: str) -> None: ...

    def put_evaluation(self, record: EvaluationRecord) -> bool:
        """Store a finished evaluation; False when it was stored before (a retry)."""
        ...

    def baselines(
        self, project: str, stage: str, service: str, include: BaselineFilter, limit: int
    ) -> list[EvaluationRecord]:
        """Up to `limit` earlier evaluations that count for `include`, newest first, invalidated
        ones left out: one Query."""
        ...

    def history(self, project: str, stage: str, service: str, limit: int) -> list[EvaluationRecord]:
        """The newest `limit` evaluations, invalidated ones included (and marked)."""
        ...

    def invalidate(self, evaluation_id: str) -> bool:
        """Leave an evaluation out of later baselines; False when there is no such evaluation."""
        ...

    def get_monitoring(self, project: str) -> MonitoringSettings | None: ...

    def put_monitoring(self, project: str, settings: MonitoringSettings) -> None: ...

    def forget_project(self, project: str, scopes: list[tuple[str, str]]) -> None:
        """Remove the evaluations of each (stage, service) of `project` and its monitoring
        settings (it is deleted): a project created again under the name starts without
        baselines. Nothing to remove is fine."""
        ...
