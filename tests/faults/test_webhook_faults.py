"""Faults in the webhook handler: every AWS call it makes fails once (a crash before it, the
call applied but its answer lost, throttling past botocore's retries) and the event is
delivered again, as EventBridge and Lambda's retries do; and every event delivered twice.

What must hold, for an entry that answers its task (`sendFinished: true`) and one whose
receivers answer (`sendFinished: false`): the task gets exactly the answers it gets without
the fault (by event id: the control plane counts each id once), and no request reaches its
receiver twice, except in the one window the at-least-once contract of webhooks allows: the
executor stopped after a request was sent and before its outcome was recorded (the journal's
`UpdateItem` failed, not applied), and the entry answers the task itself, so a second request
cannot break Keptn's counting. A receiver that answers for itself is never sent a request
twice: a request that may or may not have left (the executor stopped between claiming it and
recording its outcome) is not sent again, and the task fails saying so, visibly.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from chalicelib.bootstrap import Container, build_aws_container, use_container
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.secrets import Secret
from chalicelib.entrypoints.webhooks import webhooks
from chalicelib.settings import Settings
from qm.local.delivery import LambdaContext
from tests.fakes_webhooks import project_record
from tests.faults.injector import Injector, Mode
from tests.integration.conftest import STAGE, emulated_stack

ATTEMPTS = 3  # Lambda's first try and its two retries, then the on-failure queue
WEBHOOKS: list[str] = []  # the table printed at the end (tests/faults/conftest.py)


@dataclass
class Outcome:
    struck: tuple[str, str] | None
    received: Counter[str] = field(default_factory=Counter)  # request path -> times
    answers: Counter[str] = field(default_factory=Counter)  # distinct event ids by type
    failures: list[str] = field(default_factory=list)  # messages of failed answers
    attempts: int = 0

    @property
    def dead(self) -> bool:
        return self.attempts >= ATTEMPTS


class Env:
    def __init__(self, server: HTTPServer) -> None:
        self.injector = Injector()
        self.session = boto3.Session()
        self.sent: list[dict[str, Any]] = []
        self.session.events.register("provide-client-params.events.PutEvents", self._sent)
        self.injector.watch(self.session)
        self.server = server
        self.container: Container = build_aws_container(
            Settings(stage=STAGE, webhook_allow="127.0.0.1/32"), session=self.session
        )
        use_container(self.container)
        self.container.config.create_project(
            project_record("shop", ("dev",)),
            "faults",
        )
        self.container.secrets.create(
            Secret(name="ci", scope="keptn-webhook-service", data={"token": "t0k"})
        )
        # The session's server may still hold an earlier test's handlers (pytest-httpserver's
        # `httpserver` fixture clears them when a test starts, not when it ends).
        server.clear()
        server.expect_request("/hook").respond_with_handler(self._receive)
        self.received: list[str] = []

    def _sent(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.extend(json.loads(entry["Detail"]) for entry in params.get("Entries", []))

    def _receive(self, request: Request) -> Response:
        self.received.append(request.get_data(as_text=True))
        return Response('{"ok": true}', content_type="application/json")

    def configure(self, service: str, send_finished: bool) -> None:
        url = self.server.url_for("/hook")
        hook = f"""apiVersion: webhookconfig.keptn.sh/v1beta1
kind: WebhookConfig
metadata: {{name: faults}}
spec:
  webhooks:
    - type: sh.keptn.event.test.triggered
      sendFinished: {str(send_finished).lower()}
      envFrom:
        - {{name: t, secretRef: {{name: ci, key: token}}}}
      requests:
        - url: {url}
          method: POST
          payload: '{{{{.id}}}}/1/{{{{.env.t}}}}'
        - url: {url}
          method: POST
          payload: '{{{{.id}}}}/2'
"""
        scope = ResourceScope(project="shop", stage="dev", service=service)
        self.container.config.put_resources(
            scope, [("webhook/webhook.yaml", hook.encode())], "faults", "hook"
        )

    def run(self, name: str, mode: Mode, at: int | None, twice: bool = False) -> Outcome:
        self.container.webhooks = None  # a fresh process: nothing read or cached yet
        self.injector.mode, self.injector.at, self.injector.struck = mode, at, None
        self.injector.calls.clear()
        self.sent.clear()
        self.received.clear()
        event = {
            "specversion": "1.0",
            "id": f"ev-{name}",
            "source": "shipyard-controller",
            "type": "sh.keptn.event.test.triggered",
            "time": "2026-05-02T10:00:00.000Z",
            "shkeptncontext": "5b9a3c1e-0000-4000-8000-000000000001",
            "data": {"project": "shop", "stage": "dev", "service": name.split("-")[0]},
        }
        envelope = {"detail-type": event["type"], "source": event["source"], "detail": event}
        outcome = Outcome(struck=None)
        deliveries = 2 if twice else 1
        while deliveries and outcome.attempts < ATTEMPTS:
            try:
                with self.injector.handling("webhooks"):
                    webhooks(envelope, LambdaContext("webhooks"))
                deliveries -= 1
            except Exception:
                outcome.attempts += 1  # Lambda retries the event
        outcome.struck = self.injector.struck
        outcome.received = Counter(body.split("/")[1] for body in self.received)
        distinct = {sent["id"]: sent for sent in self.sent}
        outcome.answers = Counter(sent["type"] for sent in distinct.values())
        outcome.failures = [
            sent["data"]["message"]
            for sent in distinct.values()
            if sent["data"].get("result") == "fail"
        ]
        return outcome


@pytest.fixture(scope="module")
def env(make_httpserver: HTTPServer) -> Iterator[Env]:
    with emulated_stack():
        built = Env(make_httpserver)
        try:
            yield built
        finally:
            use_container(None)
            make_httpserver.clear()


def _check(outcome: Outcome, baseline: Outcome, send_finished: bool) -> str:
    assert not outcome.dead, outcome
    assert all(times == 1 for times in outcome.received.values()) or send_finished, outcome
    if outcome.failures:  # ended visibly: the task fails saying why, nothing sent twice
        assert not send_finished, outcome
        assert all("whether it arrived is unknown" in m for m in outcome.failures), outcome
        return "task failed visibly (a request's outcome unknown)"
    assert outcome.answers == baseline.answers, outcome
    assert set(outcome.received) == {"1", "2"}, outcome
    repeated = [request for request, times in outcome.received.items() if times > 1]
    if repeated:
        assert send_finished, outcome  # a receiver that answers itself is never sent twice
        assert outcome.struck == ("webhooks", "UpdateItem"), outcome
        return "request sent again"
    return "as without the fault"


@pytest.mark.parametrize("send_finished", [True, False])
def test_a_fault_at_every_call_changes_no_answer_and_repeats_only_what_the_contract_allows(
    env: Env, send_finished: bool
) -> None:
    service = "finishes" if send_finished else "receivers"
    env.configure(service, send_finished)
    baseline = env.run(f"{service}-baseline", Mode.CRASH, None)
    calls = list(env.injector.calls)
    expected = {"sh.keptn.event.test.started": 1 if send_finished else 2}
    if send_finished:
        expected["sh.keptn.event.test.finished"] = 1
    assert baseline.answers == expected
    assert baseline.received == {"1": 1, "2": 1}
    assert {operation for _, operation in calls} >= {
        "GetItem", "Query", "GetSecretValue", "PutEvents", "PutItem", "UpdateItem"
    }  # fmt: skip
    results: Counter[str] = Counter()
    for mode in (Mode.CRASH, Mode.APPLIED, Mode.THROTTLED):
        for at in range(1, len(calls) + 1):
            outcome = env.run(f"{service}-{mode}-{at}", mode, at)
            assert outcome.struck is not None
            results[f"{mode}: {_check(outcome, baseline, send_finished)}"] += 1
    twice = env.run(f"{service}-twice", Mode.CRASH, None, twice=True)
    results[f"twice: {_check(twice, baseline, send_finished)}"] += 1
    assert twice.received == baseline.received  # a redelivered event sends nothing again
    WEBHOOKS.append(
        f"sendFinished {str(send_finished).lower():<5} ({len(calls)} calls): "
        + ", ".join(f"{key} {count}" for key, count in sorted(results.items()))
    )
