"""webhook.yaml validation, v1beta1 and v1alpha1 (reference 6.1)."""

from __future__ import annotations

import pytest

from chalicelib.domain.webhook import WebhookConfig, WebhookConfigV1Alpha1, WebhookConfigV1Beta1
from chalicelib.domain.yamldoc import document_problems, parse_document

VALID = """\
apiVersion: webhookconfig.keptn.sh/v1beta1
kind: WebhookConfig
metadata:
  name: webhook-configuration
spec:
  webhooks:
    - type: sh.keptn.event.notify.triggered
      subscriptionID: 0c5f3a8e-0000-4000-8000-000000000001
      envFrom:
        - name: token
          secretRef:
            name: chat
            key: token
      requests:
        - url: https://chat.example.com/{{.env.token}}
          method: POST
          headers:
            - key: Content-Type
              value: application/json
          payload: '{"text": "{{.data.service}}"}'
"""

ALPHA = """\
apiVersion: webhookconfig.keptn.sh/v1alpha1
kind: WebhookConfig
metadata:
  name: webhook-configuration
spec:
  webhooks:
    - type: sh.keptn.event.notify.triggered
      subscriptionID: abc
      requests:
        - "curl --request POST https://chat.example.com/hook"
"""


def problems(text: str) -> list[str]:
    return document_problems(text, WebhookConfig, "webhook.yaml")


def test_defaults_send_started_true_send_finished_false() -> None:
    config = parse_document(VALID, WebhookConfig, "webhook.yaml").root

    assert isinstance(config, WebhookConfigV1Beta1)
    hook = config.spec.webhooks[0]
    assert hook.send_started is True
    assert hook.send_finished is False
    assert hook.env_from[0].secret_ref.key == "token"
    assert hook.subscription_id == "0c5f3a8e-0000-4000-8000-000000000001"
    assert hook.results == []


# Keptn's spec lists PATCH and DELETE; its code refused them, Quartermaster accepts them.
@pytest.mark.parametrize("method", ["POST", "PUT", "GET", "HEAD", "PATCH", "DELETE"])
def test_allowed_methods(method: str) -> None:
    assert problems(VALID.replace("method: POST", f"method: {method}")) == []


@pytest.mark.parametrize("method", ["post", "OPTIONS", "TRACE"])
def test_other_methods_are_refused_naming_the_allowed_ones(method: str) -> None:
    assert problems(VALID.replace("method: POST", f"method: {method}")) == [
        f"webhook.yaml: spec.webhooks[0].requests[0].method '{method}' (line 16): method "
        f"'{method}' is not supported; allowed methods: POST, PUT, GET, HEAD, PATCH, DELETE"
    ]


def test_headers_need_key_and_value() -> None:
    text = VALID.replace("value: application/json", 'value: ""').replace(
        "- key: Content-Type", "- key: ''"
    )

    assert problems(text) == [
        "webhook.yaml: spec.webhooks[0].requests[0].headers[0].key '' (line 18): must not be empty",
        "webhook.yaml: spec.webhooks[0].requests[0].headers[0].value '' (line 19): "
        "must not be empty",
    ]


def test_request_needs_url_and_method() -> None:
    text = VALID.replace(
        "        - url: https://chat.example.com/{{.env.token}}\n          method: POST\n",
        "        - options: --max-time 30\n",
    )

    assert problems(text) == [
        "webhook.yaml: spec.webhooks[0].requests[0] (line 15): field 'url' is required",
        "webhook.yaml: spec.webhooks[0].requests[0] (line 15): field 'method' is required",
    ]


def test_webhook_needs_type_and_requests_and_subscription_is_optional() -> None:
    text = (
        "apiVersion: webhookconfig.keptn.sh/v1beta1\nkind: WebhookConfig\nmetadata: {name: w}\n"
        "spec:\n  webhooks:\n    - sendFinished: true\n"
    )

    assert problems(text) == [
        "webhook.yaml: spec.webhooks[0] (line 6): field 'type' is required",
        "webhook.yaml: spec.webhooks[0] (line 6): field 'requests' is required",
    ]


def test_no_webhooks_is_refused() -> None:
    text = VALID.split("  webhooks:")[0] + "  webhooks: []\n"

    assert problems(text) == ["webhook.yaml: spec.webhooks (line 6): must have at least 1 entry"]


def test_send_flags_must_be_booleans() -> None:
    text = VALID.replace("      envFrom:", '      sendFinished: "true"\n      envFrom:')

    assert problems(text) == [
        "webhook.yaml: spec.webhooks[0].sendFinished 'true' (line 9): "
        "must be true or false, found a string"
    ]


def test_env_from_needs_a_secret_ref() -> None:
    text = VALID.replace(
        "          secretRef:\n            name: chat\n            key: token\n", ""
    )

    assert problems(text) == [
        "webhook.yaml: spec.webhooks[0].envFrom[0] (line 10): field 'secretRef' is required"
    ]


def test_unknown_api_version_names_both_versions() -> None:
    assert problems(VALID.replace("v1beta1", "v2")) == [
        "webhook.yaml: apiVersion 'webhookconfig.keptn.sh/v2' (line 1): must be "
        "webhookconfig.keptn.sh/v1beta1 or webhookconfig.keptn.sh/v1alpha1"
    ]


def test_v1alpha1_takes_curl_strings() -> None:
    config = parse_document(ALPHA, WebhookConfig, "webhook.yaml").root

    assert isinstance(config, WebhookConfigV1Alpha1)
    assert config.spec.webhooks[0].requests == ["curl --request POST https://chat.example.com/hook"]


def test_structured_requests_under_v1alpha1_are_explained() -> None:
    lines = problems(VALID.replace("v1beta1", "v1alpha1"))

    assert lines == [
        "webhook.yaml: spec.webhooks[0].requests[0] (line 15): v1alpha1 requests are curl "
        "command lines (strings); use apiVersion webhookconfig.keptn.sh/v1beta1 for "
        "structured requests"
    ]


def test_a_type_is_a_keptn_event_type_with_star_for_one_segment() -> None:
    assert (
        problems(VALID.replace("sh.keptn.event.notify.triggered", "sh.keptn.event.*.*.finished"))
        == []
    )
    assert problems(VALID.replace("sh.keptn.event.notify.triggered", "notify")) == [
        "webhook.yaml: spec.webhooks[0].type 'notify' (line 7): must be a Keptn event type such "
        "as sh.keptn.event.test.triggered ('*' stands for one segment: "
        "sh.keptn.event.*.*.finished)"
    ]


def test_a_chat_format_replaces_the_payload_and_results_filter() -> None:
    chat = VALID.replace(
        '          payload: \'{"text": "{{.data.service}}"}\'\n', "          format: teams\n"
    )
    chat = chat.replace("      envFrom:", "      results: [fail]\n      envFrom:")
    config = parse_document(chat, WebhookConfig, "webhook.yaml")
    assert config.webhooks[0].results == ["fail"]
    assert problems(VALID.replace("payload:", "format: slack\n          payload:")) == [
        "webhook.yaml: spec.webhooks[0].requests[0] (line 15): give either a payload or "
        "format: slack (which builds the message), not both"
    ]
    assert problems(VALID.replace("payload:", "format: email\n          payload:"))[0].startswith(
        "webhook.yaml: spec.webhooks[0].requests[0].format 'email'"
    )
