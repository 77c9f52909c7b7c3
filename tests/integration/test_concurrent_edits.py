"""Edits of one configuration file at the same moment all land (on moto): a second request
changes the file between the first one's read and its write, and both changes are in the
file afterwards, as if they had come one after the other."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import yaml
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container, build_aws_container, uniform_apply_deps
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.resource_uris import UNIFORM_URI
from chalicelib.services.auth import issue_token
from chalicelib.services.uniform.apply import apply_uniform
from chalicelib.services.uniform.edits import edit_project_uniform
from chalicelib.services.webhooks.lookup import WEBHOOK_URI
from chalicelib.services.webhooks.registry import register
from chalicelib.settings import Settings
from tests.integration.api_helpers import Api
from tests.integration.conftest import STAGE
from tests.racing_config import RacingConfig

DEV = ResourceScope(project="shop", stage="dev")
UNIFORM = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: shop-tools
spec:
  services:
    - name: deployer
      image: ghcr.io/acme/deployer:1
    - name: helm
      image: ghcr.io/acme/helm:3
"""


@pytest.fixture
def shop(aws_container: Container) -> Container:
    with Client(app) as client:
        Api(client, issue_token(aws_container.tokens, "edits")).create_shop()
    return aws_container


def hook(url: str) -> dict[str, str]:
    return {"stage": "dev", "task": "test", "url": url}


def urls_in_file(shop: Container) -> list[str]:
    stored = shop.config.get_resource(DEV, WEBHOOK_URI)
    assert stored is not None
    document = yaml.safe_load(stored.content)
    return [entry["requests"][0]["url"] for entry in document["spec"]["webhooks"]]


def test_two_registrations_at_the_same_moment_both_land(shop: Container) -> None:
    config = shop.config
    register("shop", hook("https://ci.example.com/first"), "alice", config)
    racing = RacingConfig(
        config,
        WEBHOOK_URI,
        lambda: register("shop", hook("https://ci.example.com/other"), "bob", config),
    )

    answer = register("shop", hook("https://ci.example.com/late"), "carol", racing)

    assert racing.reads == 1  # the other registration did come in between
    assert urls_in_file(shop) == [
        "https://ci.example.com/first",
        "https://ci.example.com/other",
        "https://ci.example.com/late",
    ]
    assert answer["commit"] == config.get_resource(DEV, WEBHOOK_URI).version  # type: ignore[union-attr]


def test_the_first_registration_of_a_scope_is_not_lost_to_another_first_one(
    shop: Container,
) -> None:
    config = shop.config
    racing = RacingConfig(
        config,
        WEBHOOK_URI,
        lambda: register("shop", hook("https://ci.example.com/other"), "bob", config),
    )

    register("shop", hook("https://ci.example.com/late"), "carol", racing)

    assert urls_in_file(shop) == ["https://ci.example.com/other", "https://ci.example.com/late"]


def test_two_uniform_edits_at_the_same_moment_both_land(shop: Container) -> None:
    deps = uniform_apply_deps(shop)
    first = apply_uniform("shop", UNIFORM, "alice", deps)["commitID"]
    other = {"stage": "dev", "edits": ["deployment+=helm"]}
    racing = RacingConfig(
        deps.config, UNIFORM_URI, lambda: edit_project_uniform("shop", other, "bob", deps)
    )

    edited = edit_project_uniform(
        "shop",
        {"stage": "prod", "edits": ["deployment+=deployer"]},
        "carol",
        dataclasses.replace(deps, config=racing),
    )

    assert racing.reads == 1
    assert edited["commitID"] > first
    stored = shop.config.get_resource(ResourceScope(project="shop"), UNIFORM_URI)
    assert stored is not None
    assert stored.version == edited["commitID"]
    assert edited["changes"] == [
        "deployer carries out sh.keptn.event.deployment.triggered in stage prod"
    ]
    stages = {
        s["owner"]: s["selector"]["matchExpressions"][0]["values"] for s in edited["subscriptions"]
    }
    assert stages == {"helm": ["dev"], "deployer": ["prod"]}


class TransactionConflictOnce:
    """DynamoDB cancels a transaction that writes an item another transaction is writing at
    that moment (TransactionConflict), which moto never does: answer the first
    TransactWriteItems so, as DynamoDB would, without making it."""

    def __init__(self, session: boto3.Session) -> None:
        self.answered = 0
        session.events.register("before-call.dynamodb.TransactWriteItems", self._answer)

    def _answer(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if self.answered:
            return None
        self.answered += 1
        reasons = [
            {
                "Code": "TransactionConflict"
                if item["Put"]["Item"]["sk"]["S"].startswith("CUR#")
                else "None"
            }
            for item in json.loads(params["body"])["TransactItems"]
        ]
        http = SimpleNamespace(status_code=400, headers={})
        body = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": reasons,
        }
        return http, body


def test_a_registration_that_meets_another_transaction_on_the_file_is_made_again(
    shop: Container,
) -> None:
    session = boto3.Session()
    conflicts = TransactionConflictOnce(session)
    config = build_aws_container(Settings(stage=STAGE), session).config

    register("shop", hook("https://ci.example.com/first"), "alice", config)

    assert conflicts.answered == 1
    assert urls_in_file(shop) == ["https://ci.example.com/first"]
