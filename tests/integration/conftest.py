"""moto fixtures: the stack is created from infra/definition.py, as the local runtime does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.bootstrap import Container, build_aws_container, use_container
from chalicelib.settings import Settings
from infra.definition import build_template
from qm.local.delivery import deliver_once, queued_handlers
from tests.integration.prometheus_server import serve_prometheus

STAGE = "test"
MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


@contextmanager
def emulated_stack() -> Iterator[None]:
    """moto with the stack of infra/definition.py (`sqs` mode), as the local runtime makes it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        with mock_aws(config=MOTO_CONFIG):
            boto3.client("cloudformation").create_stack(
                StackName=f"quartermaster-{STAGE}",
                TemplateBody=json.dumps(build_template(STAGE, "sqs")),
            )
            yield


@pytest.fixture
def aws() -> Iterator[None]:
    with emulated_stack():
        yield


@pytest.fixture
def aws_container(aws: None) -> Iterator[Container]:
    # Runs start at once: these tests deliver step by step (test_trigger_order.py settles).
    built = build_aws_container(Settings(stage=STAGE, start_settle_seconds=0))
    use_container(built)
    yield built
    use_container(None)


def deliver_all() -> int:
    """Feed every queued delivery to its handler, as the local dispatcher does, until the
    queues are empty. Returns how many deliveries were handled."""
    sqs = boto3.client("sqs")
    handled = 0
    queued = queued_handlers(sqs, STAGE)
    while True:
        round_handled = sum(deliver_once(sqs, entry) for entry in queued)
        if not round_handled:
            return handled
        handled += round_handled


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus server with known samples (tests/integration/prometheus_server.py),
    started once for the session."""
    yield from serve_prometheus(tmp_path_factory.mktemp("prometheus"))
