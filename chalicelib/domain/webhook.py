"""`webhook.yaml` (`webhookconfig.keptn.sh/v1beta1`, and v1alpha1 curl strings), validated."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, RootModel, StrictBool, field_validator

from chalicelib.domain.docmodel import ConfigModel, Metadata, NonEmptyStr

V1BETA1 = "webhookconfig.keptn.sh/v1beta1"
V1ALPHA1 = "webhookconfig.keptn.sh/v1alpha1"
# Keptn's spec also lists PATCH and DELETE, but its code refuses them (reference 6.1).
ALLOWED_METHODS = ("POST", "PUT", "GET", "HEAD")


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

    @field_validator("method")
    @classmethod
    def _supported_method(cls, method: str) -> str:
        if method not in ALLOWED_METHODS:
            raise ValueError(
                f"method '{method}' is not supported; allowed methods: {', '.join(ALLOWED_METHODS)}"
            )
        return method


class _Webhook(ConfigModel):
    """What both versions share: the event, the subscription and which events are sent back."""

    type: NonEmptyStr
    subscription_id: NonEmptyStr = Field(alias="subscriptionID")
    # Keptn's quirk: sendFinished is false when omitted, sendStarted is true (reference 6.1).
    send_finished: StrictBool = Field(default=False, alias="sendFinished")
    send_started: StrictBool = Field(default=True, alias="sendStarted")
    env_from: list[EnvFrom] = Field(default_factory=list, alias="envFrom")


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

    def find(self, subscription_id: str) -> WebhookV1Beta1 | None:
        """The webhook configured for an integration subscription, or None."""
        return next(
            (hook for hook in self.spec.webhooks if hook.subscription_id == subscription_id), None
        )


class WebhookConfigV1Alpha1(ConfigModel):
    """A `webhookconfig.keptn.sh/v1alpha1` file."""

    api_version: Literal["webhookconfig.keptn.sh/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["WebhookConfig"]
    metadata: Metadata
    spec: WebhookSpecV1Alpha1

    def find(self, subscription_id: str) -> WebhookV1Alpha1 | None:
        """The webhook configured for an integration subscription, or None."""
        return next(
            (hook for hook in self.spec.webhooks if hook.subscription_id == subscription_id), None
        )


class WebhookConfig(
    RootModel[
        Annotated[WebhookConfigV1Beta1 | WebhookConfigV1Alpha1, Field(discriminator="api_version")]
    ]
):
    """A webhook file of either version, chosen by its apiVersion; the parsed file is `root`."""
