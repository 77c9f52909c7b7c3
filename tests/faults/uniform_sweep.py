"""A fault sweep over the uniform's handlers (uniform-applier, uniform-guard, task-executor):
one scenario per handler, replayed with a fault at each AWS call that handler makes, every
failed delivery made visible again at once (as SQS and Lambda's retries do) until it succeeds
or counts as dead-lettered.

The emulated account holds one project per replay (a fault in one replay cannot leak into the
next); the other handlers run untouched.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from chalice.test import Client

from app import app
from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from qm.local.delivery import queued_handlers
from tests.faults.injector import Injector, Mode
from tests.faults.queues import QueueDelivery
from tests.integration.api_helpers import Api, b64
from tests.integration.conftest import STAGE, emulated_stack


class UniformFaults:
    """The app on the emulated stack, its AWS clients watched by `injector`."""

    def __init__(self, injector: Injector, **settings: Any) -> None:
        self.injector = injector
        session = boto3.Session()
        injector.watch(session)
        self.container = build_aws_container(
            Settings(
                stage=STAGE,
                start_settle_seconds=0,
                handler_delivery="sqs",
                lambda_targets=False,
                **settings,
            ),
            session=session,
        )
        use_container(self.container)
        self.api = Api(Client(app), issue_token(self.container.tokens, "faults"))
        self.struck_handler = ""
        sqs = boto3.client("sqs")
        self.queues = QueueDelivery(
            sqs, queued_handlers(sqs, STAGE), injector, lambda name: name == self.struck_handler
        )

    def replay(self, handler: str, mode: Mode, at: int | None) -> None:
        self.struck_handler = handler
        self.injector.mode, self.injector.at, self.injector.struck = mode, at, None
        self.injector.calls.clear()
        self.queues.reset()

    def pump(self, until: Callable[[], Any], timeout: float = 40.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.queues.deliver()
            found = until()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"condition not reached within {timeout} s")

    def settle(self, seconds: float = 0.5) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.queues.deliver()
            time.sleep(0.02)

    def create_project(self, project: str, shipyard: str) -> None:
        status, body = self.api.call(
            "POST", "/v1/project", {"name": project, "shipyard": b64(shipyard)}
        )
        assert status == 201, body
        assert (
            self.api.call("POST", f"/v1/project/{project}/service", {"serviceName": "cart"})[0]
            == 200
        )

    def put_uniform(self, project: str, text: str) -> str:
        body = {"uniform": base64.b64encode(text.encode()).decode()}
        status, answer = self.api.call("PUT", f"/v1/project/{project}/uniform", body)
        assert status == 200, answer
        return str(answer["commitID"])

    def trigger(self, project: str) -> str:
        event = {
            "specversion": "1.0",
            "source": "ci",
            "type": "sh.keptn.event.dev.delivery.triggered",
            "data": {"project": project, "stage": "dev", "service": "cart"},
        }
        status, body = self.api.call("POST", "/v1/event", event)
        assert status == 200, body
        return str(body["keptnContext"])

    def events(self, context: str) -> list[dict[str, Any]]:
        status, page = self.api.call("GET", f"/v1/event?keptnContext={context}&pageSize=100")
        assert status == 200, page
        return list(page["events"])

    def finished(self, context: str) -> dict[str, Any] | None:
        wanted = "sh.keptn.event.dev.delivery.finished"
        return next((e for e in self.events(context) if e["type"] == wanted), None)


@contextmanager
def uniform_faults(injector: Injector, **settings: Any) -> Iterator[UniformFaults]:
    with emulated_stack():
        built = UniformFaults(injector, **settings)
        try:
            yield built
        finally:
            use_container(None)
