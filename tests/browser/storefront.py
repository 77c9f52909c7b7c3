"""A blue/green service whose tasks a registered integration carries out, made through the public
API as a Keptn user's tool makes it: a remote `helm-service` registers through Keptn's
integration API, pings, polls its task events and answers them with Keptn's deployment fields
(`deployment.deploymentstrategy`, as helm-service reports it), and reports an error to the
integration log. Three rollouts of `web` leave 1.1.0 running, 1.0.0 before it and 1.2.0 staged,
its release still running: what runs where with a staged candidate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from tests.browser.seed import apply_uniform, b64, sequence_state, wait_for

PROJECT = "storefront"
SERVICE = "web"
STAGE = "live"
IMAGES = ("ghcr.io/example/web:1.0.0", "ghcr.io/example/web:1.1.0", "ghcr.io/example/web:1.2.0")
INTEGRATION = "helm-service"
HELD = "the load balancer refused the traffic switch to the candidate (409 Conflict); retrying"
SHIPYARD = f"""apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {{name: {PROJECT}}}
spec:
  stages:
    - name: {STAGE}
      sequences:
        - name: rollout
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: blue_green_service
            - name: release
        - name: cleanup
          tasks:
            - name: purge
"""
# The project's own tools besides the registered integration: a command told of each finished
# rollout. Nothing carries out `purge`: the uniform reports it as a task without an executor.
UNIFORM = f"""version: "0.2.0"
kind: Uniform
metadata:
  name: {PROJECT}-tools
spec:
  services:
    - name: notifier
      kind: process
      command: [sh, -c, 'echo "$KEPTN_SERVICE rolled out in $KEPTN_STAGE"']
      events:
        - name: sh.keptn.event.{STAGE}.rollout.finished
"""
KEPTN = "/api/controlPlane/v1"


@dataclass
class RemoteHelm:
    """The integration, speaking only Keptn's API (as the distributor does in remote mode)."""

    api: httpx.Client
    integration_id: str = ""
    answered: set[str] = field(default_factory=set)

    def register(self) -> str:
        body = {
            "name": INTEGRATION,
            "metadata": {
                "hostname": "deploy-runner-2",
                "integrationversion": "1.0.3",
                "distributorversion": "1.0.3",
                "location": "remote-execution-plane",
                "kubernetesmetadata": {
                    "namespace": "storefront-tools",
                    "podname": f"{INTEGRATION}-0",
                    "deploymentname": INTEGRATION,
                },
            },
            "subscriptions": [
                {"event": f"sh.keptn.event.{task}.triggered", "filter": {"projects": [PROJECT]}}
                for task in ("deployment", "release")
            ],
        }
        answer = self.api.post(f"{KEPTN}/uniform/registration", json=body)
        answer.raise_for_status()
        self.integration_id = str(answer.json()["id"])
        self.ping()
        return self.integration_id

    def ping(self) -> None:
        self.api.put(f"{KEPTN}/uniform/registration/{self.integration_id}/ping").raise_for_status()

    def triggered(self, task: str, context: str) -> dict[str, Any] | None:
        """The open `task.triggered` of run `context`, polled as the distributor polls."""
        self.ping()
        answer = self.api.get(
            f"{KEPTN}/event/triggered/sh.keptn.event.{task}.triggered", params={"project": PROJECT}
        )
        answer.raise_for_status()
        for event in answer.json()["events"]:
            if event["shkeptncontext"] == context and event["id"] not in self.answered:
                found: dict[str, Any] = event
                return found
        return None

    def answer(self, triggered: dict[str, Any], finished: dict[str, Any] | None) -> None:
        """`.started`, then `.finished` with `finished` (none: the task stays started)."""
        task = triggered["type"].removeprefix("sh.keptn.event.").removesuffix(".triggered")
        scope = {key: triggered["data"][key] for key in ("project", "stage", "service")}
        answers = [("started", scope)]
        if finished is not None:
            answers.append(("finished", {**scope, **finished}))
        for phase, data in answers:
            event = {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": INTEGRATION,
                "type": f"sh.keptn.event.{task}.{phase}",
                "shkeptncontext": triggered["shkeptncontext"],
                "triggeredid": triggered["id"],
                "data": data,
            }
            self.api.post("/api/v1/event", json=event).raise_for_status()
        self.answered.add(triggered["id"])

    def log(self, triggered: dict[str, Any], message: str) -> None:
        entry = {
            "integrationid": self.integration_id,
            "message": message,
            "shkeptncontext": triggered["shkeptncontext"],
            "task": "release",
            "triggeredid": triggered["id"],
        }
        self.api.post(f"{KEPTN}/log", json={"logs": [entry]}).raise_for_status()


@dataclass
class Storefront:
    integration_id: str
    contexts: tuple[str, ...]  # the rollouts of IMAGES, in order; the last one is held


def _trigger(api: httpx.Client, image: str) -> str:
    event = {
        "specversion": "1.0",
        "source": "browser-tests",
        "type": f"sh.keptn.event.{STAGE}.rollout.triggered",
        "data": {
            "project": PROJECT,
            "stage": STAGE,
            "service": SERVICE,
            "configurationChange": {"values": {"image": image}},
        },
    }
    answer = api.post("/v1/event", json=event)
    answer.raise_for_status()
    return str(answer.json()["keptnContext"])


def _roll_out(api: httpx.Client, helm: RemoteHelm, image: str, hold: bool) -> str:
    """One rollout of `image`, carried out by the integration; with `hold`, the candidate stays
    staged: its release is started, fails to switch the traffic (an error in the log) and is
    left running, as a tool that retries leaves it. Its keptn context."""
    context = _trigger(api, image)
    triggered = wait_for(
        f"the deployment of {image}", partial(helm.triggered, "deployment", context)
    )
    strategy = triggered["data"].get("deployment", {}).get("deploymentstrategy", "direct")
    helm.answer(
        triggered,
        {
            "status": "succeeded",
            "result": "pass",
            "message": f"{image} deployed",
            "deployment": {
                "deploymentstrategy": strategy,
                "deploymentURIsLocal": [f"http://{SERVICE}-canary.{STAGE}.svc:80"],
                "deploymentNames": ["canary"],
            },
        },
    )
    release = wait_for(f"the release of {image}", partial(helm.triggered, "release", context))
    if hold:
        helm.answer(release, None)
        helm.log(release, HELD)
        return context
    helm.answer(release, {"status": "succeeded", "result": "pass", "message": "traffic switched"})
    wait_for(
        f"the rollout of {image}",
        lambda: sequence_state(api, PROJECT, context).get("state") == "finished",
    )
    return context


def create(api: httpx.Client) -> Storefront:
    body = {"name": PROJECT, "shipyard": b64(SHIPYARD)}
    api.post("/v1/project", json=body).raise_for_status()
    api.post(f"/v1/project/{PROJECT}/service", json={"serviceName": SERVICE}).raise_for_status()
    helm = RemoteHelm(api)
    helm.register()
    applied = apply_uniform(api, PROJECT, UNIFORM)
    assert applied["uncovered"] == [f"stage {STAGE}, sequence cleanup: task purge"], applied
    contexts = [_roll_out(api, helm, image, hold=image == IMAGES[-1]) for image in IMAGES]
    return Storefront(helm.integration_id, tuple(contexts))
