"""The webhook routes on moto: registering writes the scope's webhook.yaml as a commit, listing
shows every scope, and the approval-link pages need no token and refuse bad links."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import yaml
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import issue_token
from tests.integration.api_helpers import Api


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    with Client(app) as client:
        built = Api(client, issue_token(aws_container.tokens, "hooks"))
        built.create_shop()
        yield built


def test_registering_writes_a_commit_of_the_scopes_webhook_yaml_and_lists_it(api: Api) -> None:
    status, body = api.call(
        "POST",
        "/v1/project/shop/webhook",
        {
            "stage": "dev",
            "service": "cart",
            "task": "test",
            "url": "https://ci.example.com/job/{{.data.service}}",
            "headers": {"Authorization": "Bearer {{.env.ciToken}}"},
            "payload": '{"context": "{{.shkeptncontext}}"}',
            "secrets": [{"name": "ciToken", "secret": "ci", "key": "token"}],
        },
    )
    assert status == 201, body
    assert body["stage"] == "dev"
    assert body["service"] == "cart"
    status, stored = api.call(
        "GET", "/v1/project/shop/stage/dev/service/cart/resource/webhook%2Fwebhook.yaml"
    )
    assert status == 200, stored
    document = yaml.safe_load(base64.b64decode(stored["resourceContent"]))
    assert document["apiVersion"] == "webhookconfig.keptn.sh/v1beta1"
    assert document["spec"]["webhooks"] == [
        {
            "type": "sh.keptn.event.test.triggered",
            "sendFinished": True,
            "envFrom": [{"name": "ciToken", "secretRef": {"name": "ci", "key": "token"}}],
            "requests": [
                {
                    "url": "https://ci.example.com/job/{{.data.service}}",
                    "method": "POST",
                    "headers": [{"key": "Authorization", "value": "Bearer {{.env.ciToken}}"}],
                    "payload": '{"context": "{{.shkeptncontext}}"}',
                }
            ],
        }
    ]
    status, again = api.call(
        "POST",
        "/v1/project/shop/webhook",
        {
            "stage": "dev",
            "service": "cart",
            "task": "test",
            "url": "https://ci.example.com/job/{{.data.service}}",
        },
    )
    assert status == 409, again
    assert "already has a webhook for sh.keptn.event.test.triggered" in again["message"]
    status, chat = api.call(
        "POST",
        "/v1/project/shop/webhook",
        {
            "type": "sh.keptn.event.approval.waiting",
            "url": "https://chat.example/x",
            "format": "teams",
        },
    )
    assert status == 201, chat
    status, listed = api.call("GET", "/v1/project/shop/webhook")
    assert status == 200
    assert [(w["stage"], w["service"], w["type"]) for w in listed["webhooks"]] == [
        (None, None, "sh.keptn.event.approval.waiting"),
        ("dev", "cart", "sh.keptn.event.test.triggered"),
    ]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"url": "https://x"}, 400, "give either 'task'"),
        (
            {"task": "test", "type": "sh.keptn.event.x.triggered", "url": "https://x"},
            400,
            "give either",
        ),
        ({"task": "test", "url": "https://x", "method": "BREW"}, 400, "method"),
        ({"task": "test", "url": "https://x", "service": "cart"}, 400, "'service' needs 'stage'"),
        ({"task": "test", "url": "https://x", "stage": "nope"}, 404, "stage 'nope'"),
        ({"task": "test", "url": "https://x", "format": "email"}, 400, "format"),
        ({"type": "notify", "url": "https://x"}, 400, "must be a Keptn event type"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_field(
    api: Api, body: dict[str, object], status: int, message: str
) -> None:
    answered, answer = api.call("POST", "/v1/project/shop/webhook", body)
    assert answered == status, answer
    assert message in answer["message"]


def test_a_v1alpha1_file_is_not_rewritten(api: Api) -> None:
    alpha = (
        "apiVersion: webhookconfig.keptn.sh/v1alpha1\nkind: WebhookConfig\nmetadata: {name: a}\n"
        "spec:\n  webhooks:\n    - type: sh.keptn.event.test.triggered\n      requests:\n"
        "        - curl https://x\n"
    )
    content = base64.b64encode(alpha.encode()).decode()
    status, _ = api.call(
        "POST",
        "/v1/project/shop/resource",
        {"resources": [{"resourceURI": "webhook/webhook.yaml", "resourceContent": content}]},
    )
    assert status in (200, 201)
    status, answer = api.call(
        "POST", "/v1/project/shop/webhook", {"task": "test", "url": "https://y"}
    )
    assert status == 409
    assert "is webhookconfig.keptn.sh/v1alpha1" in answer["message"]


def test_approval_link_pages_need_no_token_and_refuse_bad_links(api: Api) -> None:
    for token, status, title in [
        ("not-a-link", 400, "Not an approval link"),
        ("eyJhIjoieCJ9.c2lnbmF0dXJl", 403, "This link has been altered"),
    ]:
        page = api.client.http.get(f"/approval-link/{token}")
        assert page.status_code == status
        assert page.headers["Content-Type"].startswith("text/html")
        assert title in page.body.decode()
        posted = api.client.http.post(
            f"/approval-link/{token}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=b"",
        )
        assert posted.status_code == status
        assert json.dumps(title)[1:-1] in posted.body.decode()
