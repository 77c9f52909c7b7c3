"""What the webhook executor costs: its own overhead per request, and an event with no webhook.

1. Overhead per request. A local HTTP server on 127.0.0.1 answers at once. The same number of
   POSTs go to it as bare `httpx` requests (one client, kept connections) and through the
   executor (`run_webhook`: templates over the event, secrets, the SSRF guard, the journal,
   the `.started`/`.finished` answers, httpx to the checked address), one of each in turn so
   both see the same machine, each timed alone. Printed: the median time per request of each,
   their ratio, and the executor's own overhead per request (the difference: the server's time
   is in both). The
   journal and the bus are in memory here; on AWS each request adds two DynamoDB writes (the
   journal's claim and outcome), counted below, not timed.
2. An event no webhook matches (most events): configuration reads per event for a process
   that has not seen the event's scope and commit yet, and for one that has, and the time the
   executor spends on such an event.

    python bench/webhook.py [--requests 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.adapters.http_sender import DnsResolver, HttpxSender  # noqa: E402
from chalicelib.domain.address_guard import GuardPolicy  # noqa: E402
from chalicelib.domain.events import KeptnEvent  # noqa: E402
from chalicelib.domain.projects import ResourceScope  # noqa: E402
from chalicelib.domain.secrets import Secret  # noqa: E402
from chalicelib.domain.webhook import WebhookConfig  # noqa: E402
from chalicelib.domain.yamldoc import parse_document  # noqa: E402
from chalicelib.engine.webhooks.matching import Match  # noqa: E402
from chalicelib.services.webhooks.common import HttpLimits, WebhookDeps  # noqa: E402
from chalicelib.services.webhooks.delivery import run_webhook  # noqa: E402
from chalicelib.services.webhooks.executor import on_event  # noqa: E402
from tests.fakes import FakeBus, FakeConfigStore  # noqa: E402
from tests.fakes_webhooks import MemoryJournal, MemorySecrets, project_record  # noqa: E402


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections, as a real receiver does
    # One write per answer and no Nagle delay: otherwise delayed ACKs add 40 ms per request
    # and the receiver's time would swamp what is measured.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _event(number: int) -> KeptnEvent:
    return KeptnEvent(
        id=f"bench-{number}",
        source="shipyard-controller",
        type="sh.keptn.event.test.triggered",
        time="2026-05-02T10:00:00.000Z",
        shkeptncontext="5b9a3c1e-0000-4000-8000-000000000001",
        gitcommitid="000000000002",
        data={
            "project": "shop",
            "stage": "dev",
            "service": "cart",
            "labels": {"buildId": str(number)},
            "configurationChange": {"values": {"image": "cart:1.2.3"}},
        },
    )


def _deps(config: FakeConfigStore) -> WebhookDeps:
    return WebhookDeps(
        config=config,
        secrets=MemorySecrets(Secret(name="ci", scope="keptn-webhook-service", data={"t": "x"})),
        bus=FakeBus(),
        journal=MemoryJournal(),
        sender=HttpxSender(1024 * 1024),
        resolver=DnsResolver(),
        policy=GuardPolicy.from_lists(["127.0.0.1/32"], []),
        clock=lambda: datetime.now(UTC),
        limits=HttpLimits(),
    )


PAYLOAD = (
    '{"image": "{{.data.configurationChange.values.image}}", "id": "{{.id}}", '
    '"build": "{{.data.labels.buildId}}"}'
)


def _match(url: str) -> Match:
    text = f"""apiVersion: webhookconfig.keptn.sh/v1beta1
kind: WebhookConfig
metadata: {{name: bench}}
spec:
  webhooks:
    - type: sh.keptn.event.test.triggered
      sendFinished: true
      envFrom: [{{name: token, secretRef: {{name: ci, key: t}}}}]
      requests:
        - url: {url}/build/{{{{.data.service}}}}
          method: POST
          headers:
            - {{key: Content-Type, value: application/json}}
            - {{key: Authorization, value: "Bearer {{{{.env.token}}}}"}}
          payload: '{PAYLOAD}'
"""
    config = parse_document(text, WebhookConfig, "webhook.yaml")
    return Match("service#0", config.webhooks[0])


def overhead(url: str, requests: int, rounds: int) -> None:
    import httpx

    match = _match(url)
    deps = _deps(FakeConfigStore())
    bare_client = httpx.Client(trust_env=False)
    payload = '{"image": "cart:1.2.3", "id": "bench-0", "build": "0"}'
    headers = {"Content-Type": "application/json", "Authorization": "Bearer x"}
    bare: list[float] = []
    executed: list[float] = []
    number = 0
    # One of each in turn, each timed alone; medians, so a moment of load on a shared machine
    # does not decide the ratio. The first round warms both up and is not counted.
    for round_number in range(rounds + 1):
        for _ in range(requests):
            started = time.perf_counter()
            bare_client.post(
                f"{url}/build/cart", content=payload, headers=headers
            ).raise_for_status()
            bare_time = time.perf_counter() - started
            number += 1
            event = _event(number)
            started = time.perf_counter()
            delivered = run_webhook(match, event, deps)
            executor_time = time.perf_counter() - started
            assert delivered.failure is None, delivered.failure
            if round_number:
                bare.append(bare_time)
                executed.append(executor_time)
    bare_ms = statistics.median(bare) * 1000
    exec_ms = statistics.median(executed) * 1000
    print(f"bare httpx request:           {bare_ms:7.3f} ms per request")
    print(f"through the executor:         {exec_ms:7.3f} ms per request")
    print(f"ratio executor / bare httpx:  {exec_ms / bare_ms:7.2f}")
    print(f"executor's own overhead:      {exec_ms - bare_ms:7.3f} ms per request")
    print(
        "on AWS, per request: +2 DynamoDB writes (journal claim and outcome); per task "
        "event: 1 started and 1 finished published (sendFinished: true)"
    )


def no_webhook(events: int) -> None:
    config = FakeConfigStore()
    config.create_project(
        project_record("shop", ("dev",)),
        "bench",
    )
    other = ResourceScope(project="shop", stage="dev", service="other")
    config.put_resources(other, [("webhook/webhook.yaml", b"")], "bench", "unrelated")
    deps = _deps(config)
    cold = deps.files.reads
    on_event(_event(0), deps)
    cold = deps.files.reads - cold
    before = deps.files.reads
    started = time.perf_counter()
    for number in range(1, events + 1):
        assert on_event(_event(number), deps) == []
    per_event_us = (time.perf_counter() - started) / events * 1e6
    warm = (deps.files.reads - before) / events
    print(f"event with no webhook, first of its scope and commit in a process: {cold} reads")
    print(
        f"event with no webhook, scope and commit seen before: {warm:.0f} reads, "
        f"{per_event_us:.1f} us in the executor"
    )
    print("events without project, stage and service never reach it (the rule filters them)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        overhead(url, arguments.requests, arguments.rounds)
        no_webhook(2000)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
