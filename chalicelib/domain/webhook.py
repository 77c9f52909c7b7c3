"""`webhook.yaml` (`webhookconfig.keptn.sh/v1beta1`, and v1alpha1 curl strings), validated.

Beyond Keptn (docs/keptn-compatibility.md): `subscriptionID` is optional (an entry without one
runs for the events of its `type`), `type` may use `*` for one segment of the event type,
v1beta1 requests may use PATCH and DELETE (Keptn's spec lists them, its code refused them), an
entry may be limited to events of some `results`, and a request may send a chat message built
by Quartermaster (`format: slack | teams`) instead of a `payload`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, RootModel, StrictBool, field_validator, model_validator

from chalicelib.domain.docmodel import ConfigModel, Metadata, NonEmptyStr

V1BETA1 = "webhookconfig.keptn.sh/v1beta1"
V1ALPHA1 = "webhookconfig.keptn.sh/v1alpha1"
# Keptn's spec lists PATCH and DELETE too; its code refused them, Quartermaster does not.
ALLOWED_METHODS = ("POST", "PUT", "GET", "HEAD", "PATCH", "DELETE")
CHAT_FORMATS = ("slack", "teams")
RESULTS = ("pass", "warning", "fail")
_TYPE = re.compile(r"^sh\.keptn\.[A-Za-z0-9*_-]+(\.[A-Za-z0-9*_-]+)+$")


class SecretRef(ConfigModel):
    """A key of a secret managed by the secret service."""

    name: NonEmptyStr
    key: NonEmptyStr


class EnvFrom(ConfigModel):
    """A secret value made available to the templates as `{{.env.<name>}}`."""

    name: NonEmptyStr
    secret_ref: SecretRef = Field(alias="secretRef")


class Header(ConfigModel):
    """One HTTP header of a request."""

    key: NonEmptyStr
    value: NonEmptyStr


class WebhookRequest(ConfigModel):
    """A structured (v1beta1) HTTP request; url, headers and payload are Go templates."""

    url: NonEmptyStr
    method: str
    headers: list[Header] = Field(default_factory=list)
    payload: str = ""
    options: str = ""
    # A chat message Quartermaster builds from the event (docs/webhooks.md, Notifications).
    format: Literal["slack", "teams"] | None = None

    @field_validator("method")
    @classmethod
    def _supported_method(cls, method: str) -> str:
        if method not in ALLOWED_METHODS:
            raise ValueError(
                f"method '{method}' is not supported; allowed methods: {', '.join(ALLOWED_METHODS)}"
            )
        return method

    @model_validator(mode="after")
    def _payload_or_format(self) -> WebhookRequest:
        if self.format is not None and self.payload:
            raise ValueError(
                f"give either a payload or format: {self.format} (which builds the message), "
                "not both"
            )
        return self


class _Webhook(ConfigModel):
    """What both versions share: the event, the subscription and which events are sent back."""

    type: NonEmptyStr
    # Optional here: Keptn's integration subscriptions do not exist after a migration.
    subscription_id: NonEmptyStr | None = Field(default=None, alias="subscriptionID")
    # Run only for events whose data.result is one of these (e.g. [fail]); empty: any.
    results: list[Literal["pass", "warning", "fail"]] = Field(default_factory=list)
    # Keptn's quirk: sendFinished is false when omitted, sendStarted is true (reference 6.1).
    send_finished: StrictBool = Field(default=False, alias="sendFinished")
    send_started: StrictBool = Field(default=True, alias="sendStarted")
    env_from: list[EnvFrom] = Field(default_factory=list, alias="envFrom")

    @field_validator("type")
    @classmethod
    def _event_type(cls, value: str) -> str:
        if not _TYPE.match(value):
            raise ValueError(
                "must be a Keptn event type such as sh.keptn.event.test.triggered "
                "('*' stands for one segment: sh.keptn.event.*.*.finished)"
            )
        return value


class WebhookV1Beta1(_Webhook):
    """A v1beta1 webhook: structured requests, executed in order."""

    requests: list[WebhookRequest] = Field(min_length=1)


def _curl_line(value: object) -> object:
    if isinstance(value, dict):
        raise ValueError(
            "v1alpha1 requests are curl command lines (strings); "
            f"use apiVersion {V1BETA1} for structured requests"
        )
    return value


class WebhookV1Alpha1(_Webhook):
    """A v1alpha1 webhook: each request is a raw `curl ...` command line."""

    requests: list[Annotated[NonEmptyStr, BeforeValidator(_curl_line)]] = Field(min_length=1)


class WebhookSpecV1Beta1(ConfigModel):
    """`spec` of a v1beta1 file."""

    webhooks: list[WebhookV1Beta1] = Field(min_length=1)


class WebhookSpecV1Alpha1(ConfigModel):
    """`spec` of a v1alpha1 file."""

    webhooks: list[WebhookV1Alpha1] = Field(min_length=1)


class WebhookConfigV1Beta1(ConfigModel):
    """A `webhookconfig.keptn.sh/v1beta1` file."""

    api_version: Literal["webhookconfig.keptn.sh/v1beta1"] = Field(alias="apiVersion")
    kind: Literal["WebhookConfig"]
    metadata: Metadata
    spec: WebhookSpecV1Beta1


class WebhookConfigV1Alpha1(ConfigModel):
    """A `webhookconfig.keptn.sh/v1alpha1` file."""

    api_version: Literal["webhookconfig.keptn.sh/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["WebhookConfig"]
    metadata: Metadata
    spec: WebhookSpecV1Alpha1


class WebhookConfig(
    RootModel[
        Annotated[WebhookConfigV1Beta1 | WebhookConfigV1Alpha1, Field(discriminator="api_version")]
    ]
):
    """A webhook file of either version, chosen by its apiVersion; the parsed file is `root`."""

    @property
    def webhooks(self) -> list[Webhook]:
        """The file's entries, in file order."""
        return list(self.root.spec.webhooks)


Webhook = WebhookV1Beta1 | WebhookV1Alpha1
