"""Deliveries to an EKS target through the executor, end to end: the API, the sequencer, the
deployer and (for canaries) the canary's own Step Functions execution on moto, with the
Kubernetes API stand-in as the cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.bootstrap import TargetAdapters, container
from tests.integration.api_helpers import b64
from tests.integration.conftest import emulated_stack
from tests.integration.deploy_harness import SERVICE, shipyard
from tests.integration.eks.conftest import MANIFESTS, NAMESPACE, StandInEndpoints, moto_secret
from tests.integration.sequencing_harness import Harness, project_flow
from tests.kube.server import KubeStandIn

TARGET = f"""apiVersion: quartermaster.dev/v1
kind: Target
spec:
  type: eks
  cluster: prod
  namespace: {NAMESPACE}
  manifests: [carts.yaml]
  rolloutTimeout: 20s
"""


class EksFlow:
    def __init__(self, flow: Harness, kube: KubeStandIn) -> None:
        self.flow = flow
        self.kube = kube
        for uri, content in (("target.yaml", TARGET), ("carts.yaml", MANIFESTS)):
            body = {"resources": [{"resourceURI": uri, "resourceContent": b64(content)}]}
            status, answer = flow.api.call("POST", f"{SERVICE}/resource", body)
            assert status in (200, 201), answer

    def deliver(self, image: str) -> str:
        return self.flow.trigger(
            "dev", "delivery", data={"configurationChange": {"values": {"image": image}}}
        )

    def finished(self, context: str, task: str) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next(
                (
                    event["data"]
                    for event in self.flow.events(context)
                    if event["type"] == f"sh.keptn.event.{task}.finished"
                ),
                None,
            )

        data: dict[str, Any] = self.flow.pump(found, timeout=90)
        return data

    def images(self) -> dict[str, list[str]]:
        return {
            d["metadata"]["name"]: [c["image"] for c in d["spec"]["template"]["spec"]["containers"]]
            for d in self.kube.store.list("Deployment", NAMESPACE)[0]
        }


@contextmanager
def eks_delivery(strategy: str, **properties: Any) -> Iterator[EksFlow]:
    with (
        emulated_stack(),
        KubeStandIn("prod", moto_secret, ready_after=0.1, namespaces=(NAMESPACE,)) as kube,
        project_flow(shipyard(strategy, **properties), target_clusters=("prod",)) as flow,
    ):
        built = container()
        built.targets = TargetAdapters(
            AwsClients(), config=built.config, eks_endpoints=lambda _, __: StandInEndpoints(kube)
        )
        yield EksFlow(flow, kube)
        assert kube.controllers.errors == []


def test_direct_deploys_the_image_and_reports_keptns_fields() -> None:
    with eks_delivery("direct") as flow:
        context = flow.deliver("carts:0.13.2")
        finished = flow.finished(context, "deployment")
        assert finished["result"] == "pass", finished["message"]
        deployment = finished["deployment"]
        assert deployment["deploymentstrategy"] == "direct"
        assert deployment["deploymentNames"] == ["carts"]
        assert deployment["deploymentURIsLocal"] == ["http://carts.shop.svc.cluster.local:80"]
        assert flow.images() == {"carts": ["carts:0.13.2"]}
        assert flow.finished(context, "release")["result"] == "pass"


def test_blue_green_stages_then_release_promotes() -> None:
    with eks_delivery("blue_green_service") as flow:
        first = flow.deliver("carts:0.13.1")
        assert flow.finished(first, "release")["result"] == "pass"
        context = flow.deliver("carts:0.13.2")
        finished = flow.finished(context, "release")
        assert finished["result"] == "pass", finished["message"]
        assert flow.images() == {"carts": ["carts:0.13.2"]}
        selector = flow.kube.store.get("Service", NAMESPACE, "carts")["spec"]["selector"]
        assert selector["quartermaster.dev/variant"] == "primary"


def test_a_rollout_that_never_becomes_ready_fails_the_task_and_keeps_the_last_good_version() -> (
    None
):
    with eks_delivery("direct") as flow:
        assert flow.finished(flow.deliver("carts:0.13.1"), "release")["result"] == "pass"
        flow.kube.controllers.fail("carts:broken", "CrashLoopBackOff")
        context = flow.deliver("carts:broken")
        finished = flow.finished(context, "deployment")
        assert finished["result"] in ("fail", "errored")
        assert "CrashLoopBackOff" in finished["message"]
        assert "restored to revision 1 (carts=carts:0.13.1)" in finished["message"]
        assert flow.images() == {"carts": ["carts:0.13.1"]}


@pytest.mark.parametrize("steps", [[50, 100]])
def test_a_canary_shifts_pods_on_its_own_execution_and_is_promoted(steps: list[int]) -> None:
    with eks_delivery("canary", steps=steps, interval="1s") as flow:
        assert flow.finished(flow.deliver("carts:0.13.1"), "release")["result"] == "pass"
        context = flow.deliver("carts:0.13.2")
        finished = flow.finished(context, "deployment")
        assert finished["result"] == "pass", finished["message"]
        assert "promoted" in finished["message"]
        assert flow.images() == {"carts": ["carts:0.13.2"]}
        weights = [
            obj["metadata"]["annotations"].get("quartermaster.dev/weight")
            for _, change, obj in flow.kube.store.log
            if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "carts-canary"
        ]
        assert "50" in weights
