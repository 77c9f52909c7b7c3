"""EKS fixtures: moto for AWS (credentials, STS, EKS), the Kubernetes API stand-in for the
cluster, and the real client reaching it through the real token and CA path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto.sts.models import sts_backends

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.adapters.eks_access import ClusterRef, EksAccess, SessionFor
from chalicelib.adapters.eks_clusters import ClusterEndpoint
from chalicelib.adapters.kubernetes_api import KubernetesApi
from chalicelib.adapters.kubernetes_rollouts import KubernetesRollouts
from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies
from chalicelib.bootstrap import TargetAdapters
from chalicelib.engine.kubernetes.manifests import parse_manifests
from chalicelib.engine.kubernetes.rendering import Workload, render
from chalicelib.errors import NotFound
from tests.kube.server import KubeStandIn

CLUSTER = "prod"
REGION = "us-east-1"
NAMESPACE = "shop"
KEY = "testing"

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: carts
spec:
  replicas: 4
  selector:
    matchLabels: {app: carts}
  template:
    metadata:
      labels: {app: carts}
    spec:
      containers:
        - name: carts
          image: carts:0.13.0
          env: [{name: LOG_LEVEL, value: info}]
---
apiVersion: v1
kind: Service
metadata:
  name: carts
spec:
  selector: {app: carts}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: carts-config}
data: {LOG_LEVEL: info}
"""


def workload(image: str | None, text: str = MANIFESTS) -> Workload:
    return render(
        parse_manifests([("carts.yaml", text)]), service="carts", namespace=NAMESPACE, image=image
    )


def deployer_key() -> str:
    """The deployer's access key id (moto swaps in its own fake credentials while active)."""
    return os.environ["AWS_ACCESS_KEY_ID"]


def moto_secret(access_key: str) -> str | None:
    """The secret key behind `access_key`: the deployer's, or one moto's STS handed out."""
    if access_key == deployer_key():
        return os.environ["AWS_SECRET_ACCESS_KEY"]
    for account in list(sts_backends):
        for backend in sts_backends[account].values():
            for role in backend.assumed_roles:
                if role.access_key_id == access_key:
                    return str(role.secret_access_key)
    return None


class StandInEndpoints:
    """ClusterEndpoints that find the stand-in where DescribeCluster would find the cluster."""

    def __init__(self, kube: KubeStandIn, any_cluster: bool = False) -> None:
        self.kube = kube
        self.any_cluster = any_cluster  # answer for every name (the stand-in still checks it)

    def endpoint(self, cluster: str) -> ClusterEndpoint:
        if cluster != self.kube.cluster and not self.any_cluster:
            raise NotFound(f"EKS cluster '{cluster}' does not exist")
        return ClusterEndpoint(cluster, self.kube.url, self.kube.ca_pem)


def sessions(session: Any | None = None) -> SessionFor:
    """Sessions as the deployer gets them: its own, or a role's assumed through STS (moto)."""
    return TargetAdapters(AwsClients(session)).session


@pytest.fixture
def aws() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": KEY,
            "AWS_SECRET_ACCESS_KEY": KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        with mock_aws():
            yield


@pytest.fixture
def kube(aws: None) -> Iterator[KubeStandIn]:
    with KubeStandIn(CLUSTER, moto_secret, ready_after=0.2, namespaces=(NAMESPACE,)) as server:
        yield server
    assert server.controllers.errors == [], "the stand-in's controllers failed"


@pytest.fixture
def access(kube: KubeStandIn) -> EksAccess:
    return EksAccess(sessions(), endpoints=lambda _, __: StandInEndpoints(kube))


@pytest.fixture
def api(access: EksAccess) -> KubernetesApi:
    return KubernetesApi(access.api_client(ClusterRef(CLUSTER, REGION)), CLUSTER)


@pytest.fixture
def strategies(api: KubernetesApi) -> KubernetesStrategies:
    return KubernetesStrategies(KubernetesRollouts(api))
