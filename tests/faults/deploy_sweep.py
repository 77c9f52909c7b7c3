"""A fault sweep over the deployment executor: one canary (50%, then all) of a Lambda function,
replayed with a fault at each AWS call the deployer, canary-steps and canary-watch make, every
failed delivery made visible again at once (as SQS and Lambda's retries do).

Each replay deploys a service and a function of its own in one emulated account and project.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
from chalice.test import Client

from app import app
from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from qm.local.delivery import queued_handlers
from tests.faults.injector import Injector, Mode, Published
from tests.faults.queues import QueueDelivery
from tests.integration.api_helpers import Api, b64
from tests.integration.conftest import STAGE, emulated_stack
from tests.integration.deploy_harness import Functions, target_yaml
from tests.integration.sequencing_harness import Harness

DEPLOYING = frozenset({"deployer", "canary-steps", "canary-watch"})
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: faults
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: canary
                steps: [50, 100]
                interval: 1s
"""
Routing = tuple[str, str | None, float]


@dataclass
class DeployOutcome:
    struck: tuple[str, str] | None
    finished: list[str] = field(default_factory=list)  # result/status of deployment.finished
    delivery: str = ""  # result/status of the delivery
    routing: Routing | None = None
    dead_letters: int = 0

    @property
    def completed(self) -> bool:
        return self.finished == ["pass/succeeded"] and self.routing == ("2", None, 0.0)

    @property
    def ended_visibly(self) -> bool:
        """The task ended with a reason and the alias on the version that ran before."""
        failed = len(self.finished) == 1 and self.finished[0] != "pass/succeeded"
        return (failed and self.routing == ("1", None, 0.0)) or self.dead_letters > 0

    @property
    def stuck(self) -> bool:
        return not (self.completed or self.ended_visibly) or not self.delivery


class DeployEnvironment:
    def __init__(self, injector: Injector, published: Published) -> None:
        self.injector = injector
        self.published = published
        session = boto3.Session()
        published.watch(session)
        injector.watch(session)
        settings = Settings(stage=STAGE, start_settle_seconds=0, target_functions=("*",))
        container = build_aws_container(settings, session=session)
        use_container(container)
        self.container = container
        self.client = Client(app)
        self.harness = Harness(Api(self.client, issue_token(container.tokens, "faults")))
        sqs = boto3.client("sqs")
        self.queues = QueueDelivery(
            sqs, queued_handlers(sqs, STAGE), injector, lambda name: name in DEPLOYING
        )
        self.functions = Functions()
        self.harness.create_project(SHIPYARD, services=())

    def run_scenario(self, name: str, timeout: float = 30.0) -> DeployOutcome:
        harness = self.harness
        service, function = f"svc-{name}", f"fn-{name}"
        code, body = harness.api.call("POST", "/v1/project/shop/service", {"serviceName": service})
        assert code == 200, body
        self.functions.create(function)
        upload = {
            "resources": [
                {"resourceURI": "target.yaml", "resourceContent": b64(target_yaml(function))}
            ]
        }
        code, body = harness.api.call(
            "POST", f"/v1/project/shop/stage/dev/service/{service}/resource", upload
        )
        assert code in (200, 201), body
        artifact = self.functions.artifact(f"{name}-2")
        self.queues.reset()
        context = harness.trigger(
            "dev",
            "delivery",
            service=service,
            data={"configurationChange": {"values": {"artifact": artifact}}},
        )
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            busy = self.queues.deliver()
            done = harness.finished(context, "dev", "delivery") is not None
            if busy or not done:
                quiet_since = None
                time.sleep(0.02)
                continue
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 0.5:
                break
        events = harness.events(context)
        outcome = DeployOutcome(
            struck=self.injector.struck,
            finished=[
                f"{e['data'].get('result')}/{e['data'].get('status')}"
                for e in events
                if e["type"] == "sh.keptn.event.deployment.finished"
            ],
            routing=self.functions.routing(function),
            dead_letters=self.queues.dead_letters,
        )
        ended = harness.finished(context, "dev", "delivery")
        if ended is not None:
            outcome.delivery = f"{ended['data']['result']}/{ended['data']['status']}"
        return outcome


@contextmanager
def deploy_environment(injector: Injector, published: Published) -> Iterator[DeployEnvironment]:
    with emulated_stack():
        built = DeployEnvironment(injector, published)
        try:
            yield built
        finally:
            use_container(None)


def replay(
    env: DeployEnvironment, name: str, mode: Mode, at: int | None, twice: bool = False
) -> DeployOutcome:
    env.queues.twice = twice
    env.injector.mode, env.injector.at, env.injector.struck = mode, at, None
    env.injector.calls.clear()
    env.published.ids.clear()
    return env.run_scenario(name)
