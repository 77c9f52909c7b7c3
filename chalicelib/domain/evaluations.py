"""Stored quality-gate evaluations, the get-sli requests awaiting an answer, and per-project
monitoring settings (which SLI provider answers a project's get-sli.triggered)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.domain.names import entity_name_problem
from chalicelib.domain.secrets import check_secret_name
from chalicelib.domain.urls import has_credentials, userinfo_problem, without_userinfo

LIGHTHOUSE_SOURCE = "lighthouse-service"  # Keptn's name; tools filter evaluations on it
BUILT_IN_PROVIDERS = ("cloudwatch", "prometheus")
# Validation context for settings read back from storage rather than received.
STORED = {"stored": True}


class BaselineFilter(StrEnum):
    """`comparison.include_result_with_score`: which earlier evaluations count as baselines."""

    PASS = "pass"
    PASS_OR_WARN = "pass_or_warn"
    ALL = "all"


class EvaluationRecord(BaseModel):
    """One `evaluation.finished` the lighthouse sent, kept for history and baselines.

    `data` is the event's whole `data` (result, score, indicatorResults, sloFileContent,
    comparedEvents, labels), so history is drawn without re-evaluating.
    """

    model_config = ConfigDict(frozen=True)

    evaluation_id: str  # the evaluation.triggered id: evaluation.finished's triggeredid
    event_id: str  # the evaluation.finished id: what later evaluations list in comparedEvents
    keptn_context: str
    project: str
    stage: str
    service: str
    time: str
    gitcommitid: str = ""
    result: str
    status: str
    data: dict[str, Any]
    invalidated: bool = False
    # A canary step's evaluation (docs/deployment-targets.md): history, never a baseline.
    canary: bool = False

    @property
    def score(self) -> float:
        evaluation = self.data.get("evaluation") or {}
        return float(evaluation.get("score") or 0.0)

    def counts_for(self, include: BaselineFilter) -> bool:
        """Whether a later evaluation may compare with this one (reference 4.4)."""
        if self.invalidated or self.canary:
            return False
        if include is BaselineFilter.PASS:
            return self.result == "pass"
        if include is BaselineFilter.PASS_OR_WARN:
            return self.result in ("pass", "warning")
        return True

    def as_event(self) -> dict[str, Any]:
        """The id and data of the stored evaluation.finished, as baselines read it."""
        return {"id": self.event_id, "data": self.data}


class PendingEvaluation(BaseModel):
    """An evaluation waiting for its get-sli.finished: what the lighthouse decided before
    asking, so the answer is evaluated against the same SLO file and window."""

    model_config = ConfigDict(frozen=True)

    get_sli_id: str
    triggered: dict[str, Any]  # the evaluation.triggered event, as on the wire
    slo: str | None  # slo.yaml at the run's commit; None when the service has none
    start: str
    end: str


class MonitoringSettings(BaseModel):
    """Which SLI provider a project's evaluations ask (Keptn's `sli-provider` setting).

    `cloudwatch` and `prometheus` are answered by Quartermaster itself; any other name is a tool
    of yours that subscribes to get-sli.triggered with that `sliProvider`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(
        description="cloudwatch, prometheus, or the name your own SLI provider answers to"
    )
    url: str | None = Field(
        default=None,
        description="Prometheus only: the server's base URL, e.g. http://prom:9090, without "
        "credentials (they go in `secret`)",
    )
    secret: str | None = Field(
        default=None,
        description="Prometheus only: a secret (qm create secret) holding `user` and "
        "`password`, or `token`, to authenticate to the server",
    )

    @field_validator("provider")
    @classmethod
    def _provider_name(cls, value: str) -> str:
        problem = entity_name_problem(value)
        if problem:
            raise ValueError(f"provider name {problem}")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.context == STORED and has_credentials(value):
            # Saved before credentials in the URL were refused: read without them, so they are
            # neither served nor sent; the provider then asks for the secret (HTTP 401 hint).
            return without_userinfo(value)
        # Checked first: the other message shows the URL, which must not show a password.
        problem = userinfo_problem(
            value,
            "url",
            "put the credentials in a secret (qm create secret prometheus-credentials "
            "--from-literal user=... --from-literal password=...) and name it in 'secret'",
        )
        if problem:
            raise ValueError(problem)
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"url {value!r} must start with http:// or https:// "
                "(e.g. http://prometheus.example.com:9090)"
            )
        return value

    @field_validator("secret")
    @classmethod
    def _secret_name(cls, value: str | None) -> str | None:
        return value if value is None else check_secret_name(value, "secret name")

    @model_validator(mode="after")
    def _fits_provider(self) -> MonitoringSettings:
        if self.provider == "prometheus" and not self.url:
            raise ValueError("provider prometheus needs url, the Prometheus server's base URL")
        if self.provider != "prometheus" and (self.url or self.secret):
            raise ValueError(
                f"url and secret are Prometheus settings; provider {self.provider} takes neither"
            )
        return self
