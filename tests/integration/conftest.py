"""moto fixtures: the stack is created from infra/definition.py, as the local runtime does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.bootstrap import Container, build_aws_container, use_container
from chalicelib.settings import Settings
from infra.definition import build_template, queue_names
from qm.local.runtime import LambdaContext, resolve_entry

STAGE = "test"
MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config=MOTO_CONFIG):
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(
            StackName=f"quartermaster-{STAGE}",
            TemplateBody=json.dumps(build_template(STAGE, "sqs")),
        )
        yield


@pytest.fixture
def aws_container(aws: None) -> Iterator[Container]:
    built = build_aws_container(Settings(stage=STAGE))
    use_container(built)
    yield built
    use_container(None)


def deliver_all() -> int:
    """Feed every queued EventBridge delivery to its handler, as the dispatcher does.
    Returns how many deliveries were handled."""
    from infra.handlers import HANDLERS

    sqs = boto3.client("sqs")
    handled = 0
    for spec in HANDLERS:
        url = sqs.get_queue_url(QueueName=queue_names(STAGE)[spec.name])["QueueUrl"]
        handler = resolve_entry(spec.entry)
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            for message in messages:
                handler(json.loads(message["Body"]), LambdaContext(function_name=spec.name))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
    return handled
