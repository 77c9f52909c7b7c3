"""The one settings model. Nothing else in chalicelib reads os.environ.

Names default from the stage so a plain `chalice deploy --stage dev` and the local runtime agree
without extra configuration; each can still be overridden by its QM_* variable.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _names(value: Any) -> Any:
    """A comma-separated list (as an environment variable holds it) as a tuple of names."""
    if isinstance(value, str):
        return tuple(name.strip() for name in value.split(",") if name.strip())
    return value


NameList = Annotated[tuple[str, ...], BeforeValidator(_names)]


class Settings(BaseModel):
    """Deployment-specific names and limits, validated once per process."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]*$")
    event_bus: str = ""
    events_table: str = ""
    config_table: str = ""
    runs_table: str = ""
    evaluations_table: str = ""
    # Powertools idempotency records: one per delivery a handler took (chalicelib/idempotency.py).
    idempotency_table: str = ""
    states_role: str = ""
    # Keptn's TASK_STARTED_WAIT_DURATION: a task with no .started/.finished by then times out.
    task_wait_seconds: int = Field(default=600, ge=1)
    # A run starts this long after its trigger arrived, so triggers of one service that arrive
    # together (or out of order on the bus) all wait in the queue first and start in trigger
    # order; 0 starts at once.
    start_settle_seconds: int = Field(default=1, ge=0, le=60)
    secrets_prefix: str = ""
    api_source: str = "https://github.com/keptn/keptn/api"
    max_event_bytes: int = 256 * 1024
    token_cache_seconds: int = 60
    log_level: str = "INFO"
    # Webhooks (docs/webhooks.md). The SSRF guard's operator lists: comma-separated CIDRs,
    # addresses and host names (`.example.com` or `*.example.com`: every name under it). The
    # deny list wins over the allow list, which wins over the refused address classes.
    webhook_allow: str = ""
    webhook_deny: str = ""
    webhook_connect_timeout_seconds: float = Field(default=5, gt=0, le=60)
    webhook_read_timeout_seconds: float = Field(default=30, gt=0, le=300)
    # Further attempts of a request that certainly did not arrive, or was answered 429/502/
    # 503/504 (a request that may have arrived is not sent again).
    webhook_retries: int = Field(default=2, ge=0, le=5)
    webhook_max_response_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The API's public URL, for the approve and decline links of chat notifications; empty:
    # messages carry no links.
    public_api_url: str = ""
    # The HMAC key of approval links; empty: a key kept in Secrets Manager (scope
    # quartermaster-internal, created on first use).
    approval_link_key: str = Field(default="", repr=False)
    # A link expires with its approval, and at the latest this long after it was sent.
    approval_link_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # The deployment executor (docs/deployment-targets.md): its records' table, and what it may
    # change: function names or ARNs, role ARNs, cluster names or ARNs (a trailing * matches
    # any rest). The same lists make its IAM policy (infra/policies.py).
    deployments_table: str = ""
    target_functions: NameList = ()
    target_roles: NameList = ()
    target_clusters: NameList = ()
    # Where artifacts come from (IAM only: Lambda reads them with the deployer's rights): S3
    # bucket names and ECR repository names or ARNs.
    target_buckets: NameList = ()
    target_repositories: NameList = ()
    # A canary step whose evaluation has not finished by then rolls back.
    canary_evaluation_timeout_seconds: int = Field(default=900, ge=10, le=24 * 3600)

    @model_validator(mode="after")
    def _default_names(self) -> Settings:
        prefix = f"quartermaster-{self.stage}"
        defaults = {
            "event_bus": prefix,
            "events_table": f"{prefix}-events",
            "config_table": f"{prefix}-config",
            "runs_table": f"{prefix}-runs",
            "evaluations_table": f"{prefix}-evaluations",
            "idempotency_table": f"{prefix}-idempotency",
            "deployments_table": f"{prefix}-deployments",
            "states_role": f"{prefix}-states",
            "secrets_prefix": f"quartermaster/{self.stage}",
        }
        for field, value in defaults.items():
            if not getattr(self, field):
                object.__setattr__(self, field, value)
        return self

    def webhook_lists(self) -> tuple[list[str], list[str]]:
        """The SSRF guard's allow and deny entries."""
        return (
            [entry for entry in self.webhook_allow.split(",") if entry.strip()],
            [entry for entry in self.webhook_deny.split(",") if entry.strip()],
        )

    def queue_name(self, queue: str) -> str:
        """An internal queue of this deployment (dispatch, control)."""
        return f"quartermaster-{self.stage}-{queue}"

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {
            key[len("QM_") :].lower(): value
            for key, value in env.items()
            if key.startswith("QM_") and value != ""
        }
        if "LOG_LEVEL" in env and "log_level" not in values:
            values["log_level"] = env["LOG_LEVEL"]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (cached: the environment does not change while it runs)."""
    return Settings.from_environ()
