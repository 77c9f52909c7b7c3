"""A fault sweep over the sequencing handlers: one delivery scenario, replayed with a fault at
each AWS call the handlers make, every failed delivery redelivered (as SQS and EventBridge do).

The scenario: two triggers for one service (the second queues behind the first), a tool that
answers every task it is sent (a one-task sequence: a second task repeats the same calls).
Each run of it uses a service of its own, so the replays share one emulated account and one
project.
"""

from __future__ import annotations

import time
from collections import Counter
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
from tests.integration.api_helpers import Api
from tests.integration.conftest import STAGE, emulated_stack
from tests.integration.sequencing_harness import Harness

# The handlers whose calls are struck; the others (recorder, lighthouse, ...) run untouched.
SEQUENCING = frozenset({"sequencer", "task-events", "dispatcher", "finisher", "approval"})
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
"""


@dataclass
class Outcome:
    """What became of one scenario."""

    struck: tuple[str, str] | None
    finished: dict[str, str] = field(default_factory=dict)  # context -> result/status
    types: dict[str, Counter[str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    dead_letters: int = 0
    lock_held: bool = False
    queued: int = 0

    @property
    def stuck(self) -> bool:
        return len(self.finished) < 2 or self.lock_held or self.queued > 0

    @property
    def ended_visibly(self) -> bool:
        return not self.stuck and any(value != "pass/succeeded" for value in self.finished.values())


class Environment:
    """One emulated account with the stack, the app and a project for every replay."""

    def __init__(self, injector: Injector, published: Published) -> None:
        self.injector = injector
        self.published = published
        session = boto3.Session()
        published.watch(session)
        injector.watch(session)
        container = build_aws_container(
            Settings(stage=STAGE, start_settle_seconds=0), session=session
        )
        use_container(container)
        self.container = container
        self.client = Client(app)
        self.harness = Harness(Api(self.client, issue_token(container.tokens, "faults")))
        sqs = boto3.client("sqs")
        self.queues = QueueDelivery(
            sqs, queued_handlers(sqs, STAGE), injector, lambda name: name in SEQUENCING
        )
        self.harness.create_project(SHIPYARD, services=())

    def run_scenario(self, service: str, timeout: float = 30.0) -> Outcome:
        """Two deliveries of `service`, answered as a tool would; what became of them."""
        harness = self.harness
        code, body = harness.api.call("POST", "/v1/project/shop/service", {"serviceName": service})
        assert code == 200, body
        self.queues.reset()
        contexts = [harness.trigger("dev", "delivery", service=service) for _ in range(2)]
        answered: set[str] = set()
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            busy = self.queues.deliver()
            events = {context: harness.events(context) for context in contexts}
            for event in (e for found in events.values() for e in found):
                task_triggered = event["type"].count(".") == 4 and event["type"].endswith(
                    ".triggered"
                )
                if task_triggered and event["id"] not in answered:
                    answered.add(event["id"])
                    harness.answer(event)
                    busy += 1
            done = all(
                any(e["type"] == "sh.keptn.event.dev.delivery.finished" for e in found)
                for found in events.values()
            )
            if busy or not done:
                quiet_since = None
                time.sleep(0.02)
                continue
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 0.5:  # nothing more happens
                break
        return self._outcome(service, contexts)

    def _outcome(self, service: str, contexts: list[str]) -> Outcome:
        outcome = Outcome(struck=self.injector.struck, dead_letters=self.queues.dead_letters)
        for context in contexts:
            events = self.harness.events(context)
            outcome.types[context] = Counter(e["type"] for e in events)
            for event in events:
                if event["type"] == "sh.keptn.event.dev.delivery.finished":
                    data = event["data"]
                    outcome.finished[context] = f"{data['result']}/{data['status']}"
        outcome.duplicates = self.published.duplicates()
        runs = self.container.settings.runs_table
        items = boto3.client("dynamodb").query(
            TableName=runs,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"SCOPE#shop\x1fdev\x1f{service}"}},
            ConsistentRead=True,
        )["Items"]
        outcome.lock_held = any(item["sk"]["S"] == "LOCK" for item in items)
        outcome.queued = sum(item["sk"]["S"].startswith("Q#") for item in items)
        return outcome


@contextmanager
def environment(injector: Injector, published: Published) -> Iterator[Environment]:
    with emulated_stack():
        built = Environment(injector, published)
        try:
            yield built
        finally:
            use_container(None)


def replay(
    env: Environment, service: str, mode: Mode, at: int | None, twice: bool = False
) -> Outcome:
    """The scenario with one fault at the `at`-th counted call (and, with `twice`, every
    message delivered twice)."""
    env.queues.twice = twice
    env.injector.mode, env.injector.at, env.injector.struck = mode, at, None
    env.injector.calls.clear()
    env.published.ids.clear()
    return env.run_scenario(service)
