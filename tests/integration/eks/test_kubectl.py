"""kubectl against the stand-in: `get`, `apply -f` (create, then update by patch), and
`rollout status`, as a user of the cluster would run them; the EKS adapter then reads what
kubectl did. This proves the stand-in speaks the API real clients speak."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

from chalicelib.adapters.eks_token import eks_token
from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies
from tests.integration.eks.conftest import CLUSTER, MANIFESTS, NAMESPACE, REGION
from tests.kube.server import KubeStandIn


def kubectl_binary() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail(
            "kubectl was not found: install the Debian package 'kubernetes-client', e.g. with "
            "scripts/install-system-deps.sh"
        )
    return found


@pytest.fixture
def kubectl(kube: KubeStandIn, tmp_path: Path) -> object:
    binary = kubectl_binary()
    (tmp_path / "ca.pem").write_text(kube.ca_pem)
    token = eks_token(boto3.session.Session(), CLUSTER, REGION)
    (tmp_path / "kubeconfig").write_text(
        f"""apiVersion: v1
kind: Config
clusters:
  - name: {CLUSTER}
    cluster: {{server: "{kube.url}", certificate-authority: "{tmp_path / "ca.pem"}"}}
users:
  - name: deployer
    user: {{token: "{token}"}}
contexts:
  - name: {CLUSTER}
    context: {{cluster: {CLUSTER}, user: deployer, namespace: {NAMESPACE}}}
current-context: {CLUSTER}
"""
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),  # kubectl's discovery cache stays in the test's directory
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [binary, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done

    return run


def test_kubectl_gets_applies_and_follows_rollouts(
    kube: KubeStandIn, kubectl: object, strategies: KubernetesStrategies, tmp_path: Path
) -> None:
    run = kubectl
    assert callable(run)
    assert "No resources found in shop namespace." in run("get", "deployments").stderr

    (tmp_path / "carts.yaml").write_text(MANIFESTS)
    applied = run("apply", "-f", "carts.yaml").stdout
    assert "deployment.apps/carts created" in applied
    assert "service/carts created" in applied
    assert "configmap/carts-config created" in applied
    assert (
        'deployment "carts" successfully rolled out'
        in run("rollout", "status", "deployment/carts", "--timeout=60s").stdout
    )
    listed = run("get", "deployment", "carts").stdout.split()
    assert listed[:4] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE"]
    assert listed[5:8] == ["carts", "4/4", "4"]

    # an update goes as kubectl's three-way strategic merge patch
    (tmp_path / "carts.yaml").write_text(MANIFESTS.replace("carts:0.13.0", "carts:0.13.1"))
    assert "deployment.apps/carts configured" in run("apply", "-f", "carts.yaml").stdout
    run("rollout", "status", "deployment/carts", "--timeout=60s")
    image = run(
        "get", "deployment", "carts", "-o", "jsonpath={.spec.template.spec.containers[0].image}"
    )
    assert image.stdout == "carts:0.13.1"
    running = strategies.rollouts.running(NAMESPACE, "carts")
    assert running is not None
    assert (running.images, running.previous_images) == (
        {"carts": "carts:0.13.1"},
        {"carts": "carts:0.13.0"},
    )

    # a rollout that never becomes ready: rollout status gives up, the pods say why
    kube.controllers.fail("carts:missing", "ImagePullBackOff")
    run("set", "image", "deployment/carts", "carts=carts:missing")
    stuck = run("rollout", "status", "deployment/carts", "--timeout=3s", check=False)
    assert stuck.returncode != 0
    assert "timed out waiting for the condition" in stuck.stderr
    assert "ImagePullBackOff" in run("get", "pods").stdout
    assert kube.refusals == []
