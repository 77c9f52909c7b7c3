"""Bodies of the webhook routes: registering one, and the list of what is subscribed where."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel

_EXAMPLE: dict[str, Any] = {
    "stage": "dev",
    "service": "cart",
    "task": "test",
    "url": "https://ci.example.com/job/tests/build",
    "method": "POST",
    "headers": {"Authorization": "Bearer {{.env.ciToken}}"},
    "payload": '{"context": "{{.shkeptncontext}}"}',
    "secrets": [{"name": "ciToken", "secret": "ci", "key": "token"}],
}


class SecretUse(ApiModel):
    """A secret value made available as `{{.env.<name>}}` (scope keptn-webhook-service)."""

    name: str
    secret: str
    key: str


class WebhookRegistration(ApiModel):
    """One webhook to add to a scope's webhook/webhook.yaml."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    stage: str | None = Field(default=None, description="the stage's file; none: the project's")
    service: str | None = Field(default=None, description="with stage: the service's file")
    task: str | None = Field(default=None, description="answers sh.keptn.event.<task>.triggered")
    type: str | None = Field(default=None, description="or any event type (`*`: one segment)")
    url: str = Field(description="a Go template")
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict, description="Go templates")
    payload: str | None = None
    options: str | None = Field(default=None, description="curl options, e.g. --max-time 30")
    format: Literal["slack", "teams"] | None = Field(default=None, description="a chat message")
    secrets: list[SecretUse] = Field(default_factory=list)
    send_started: bool | None = Field(default=None, alias="sendStarted")
    send_finished: bool = Field(default=True, alias="sendFinished")
    results: list[Literal["pass", "warning", "fail"]] = Field(default_factory=list)


class WebhookRegistered(ApiModel):
    """Where the webhook was written, and the commit that wrote it."""

    project: str
    stage: str | None = None
    service: str | None = None
    commit: str
    webhook: dict[str, Any] = Field(description="the entry as written to webhook.yaml")


class WebhookRow(ApiModel):
    """One entry of one scope's webhook.yaml (or why the file is skipped)."""

    stage: str | None = None
    service: str | None = None
    version: str = Field(description="the commit of the file")
    type: str | None = None
    subscription_id: str | None = Field(default=None, alias="subscriptionID")
    send_started: bool | None = Field(default=None, alias="sendStarted")
    send_finished: bool | None = Field(default=None, alias="sendFinished")
    results: list[str] = Field(default_factory=list)
    requests: list[str] = Field(default_factory=list, description="URLs or curl lines")
    error: str | None = None


class WebhookList(ApiModel):
    webhooks: list[WebhookRow]
