"""A remote integration written as a Keptn user writes one: it speaks only Keptn's HTTP API,
the way Keptn's distributor and go-sdk do in remote mode (keptn/go-utils, pkg/sdk/connector).

- registers (`POST /api/controlPlane/v1/uniform/registration`) with its name, host, versions and
  Kubernetes namespace, and keeps the id it is given;
- pings (`PUT .../uniform/registration/{id}/ping`) every few seconds: the answer carries its
  current subscriptions;
- polls each subscription's open `.triggered` events (`GET .../event/triggered/{event}`, with
  `project`, `stage` or `service` when the filter names exactly one), remembers what it has
  forwarded, and adds `temporaryData.distributor.subscriptionID` as the distributor does;
- answers `.started` and `.finished` through `POST /api/v1/event`;
- forwards its errors to `POST /api/controlPlane/v1/log`.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx

SOURCE = "remote-load-tester"


class RemoteTool:
    def __init__(self, endpoint: str, token: str, task: str, project: str) -> None:
        self.http = httpx.Client(base_url=endpoint, headers={"x-token": token}, timeout=10)
        self.task = task
        self.project = project
        self.integration_id = ""
        self.subscriptions: list[dict[str, Any]] = []
        self.forwarded: set[tuple[str, str]] = set()
        self.answered: list[str] = []
        self.stop = threading.Event()

    def register(self) -> str:
        body = {
            "name": SOURCE,
            "metadata": {
                "hostname": "ci-runner-3",
                "integrationversion": "1.2.0",
                "distributorversion": "1.4.5",
                "location": "remote-execution-plane",
                "kubernetesmetadata": {"namespace": "perf", "podname": f"{SOURCE}-0"},
            },
            "subscriptions": [
                {
                    "event": f"sh.keptn.event.{self.task}.triggered",
                    "filter": {"projects": [self.project], "stages": [], "services": []},
                }
            ],
        }
        response = self.http.post("/api/controlPlane/v1/uniform/registration", json=body)
        response.raise_for_status()
        self.integration_id = response.json()["id"]
        return self.integration_id

    def ping(self) -> None:
        response = self.http.put(
            f"/api/controlPlane/v1/uniform/registration/{self.integration_id}/ping"
        )
        response.raise_for_status()
        self.subscriptions = response.json()["subscriptions"]

    def poll(self) -> None:
        for subscription in self.subscriptions:
            params = {
                key: values[0]
                for key, values in (
                    ("project", subscription["filter"]["projects"]),
                    ("stage", subscription["filter"]["stages"]),
                    ("service", subscription["filter"]["services"]),
                )
                if len(values) == 1
            }
            response = self.http.get(
                f"/api/controlPlane/v1/event/triggered/{subscription['event']}", params=params
            )
            response.raise_for_status()
            for event in response.json()["events"]:
                if (subscription["id"], event["id"]) in self.forwarded:
                    continue
                self.forwarded.add((subscription["id"], event["id"]))
                temporary = event["data"].setdefault("temporaryData", {})
                temporary["distributor"] = {"subscriptionID": subscription["id"]}
                self.handle(event)

    def handle(self, triggered: dict[str, Any]) -> None:
        scope = {key: triggered["data"][key] for key in ("project", "stage", "service")}
        self.send(triggered, "started", scope)
        self.log("the load generator answered slowly; its results are kept")
        finished = {**scope, "status": "succeeded", "result": "pass", "message": "load test done"}
        self.send(triggered, "finished", finished)
        self.answered.append(triggered["id"])

    def send(self, triggered: dict[str, Any], phase: str, data: dict[str, Any]) -> None:
        event = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": SOURCE,
            "type": f"sh.keptn.event.{self.task}.{phase}",
            "shkeptncontext": triggered["shkeptncontext"],
            "triggeredid": triggered["id"],
            "data": data,
        }
        self.http.post("/api/v1/event", json=event).raise_for_status()

    def log(self, message: str) -> None:
        entry = {"integrationid": self.integration_id, "message": message, "task": self.task}
        response = self.http.post("/api/controlPlane/v1/log", json={"logs": [entry]})
        response.raise_for_status()

    def run(self, ping_every: float = 2.0, poll_every: float = 0.5) -> None:
        """Ping, then poll, until stopped (the body of its thread)."""
        self.register()
        since_ping = ping_every
        while not self.stop.is_set():
            if since_ping >= ping_every:
                self.ping()
                since_ping = 0.0
            self.poll()
            self.stop.wait(poll_every)
            since_ping += poll_every
