"""The EKS target's modules import nothing heavy: the kubernetes client (about 0.4 s) and boto3
load only when a cluster is reached, so no other function's cold start pays for them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import app
import chalicelib.adapters.eks_access
import chalicelib.adapters.eks_clusters
import chalicelib.adapters.eks_token
import chalicelib.adapters.kubernetes_api
import chalicelib.adapters.kubernetes_rollouts
import chalicelib.adapters.kubernetes_strategies
import chalicelib.engine.kubernetes.manifests
import chalicelib.engine.kubernetes.rendering
import chalicelib.engine.kubernetes.rollout_status
print(sorted(m for m in sys.modules if m.split(".")[0] in ("kubernetes", "boto3", "botocore")))
"""


def test_the_eks_modules_load_neither_the_kubernetes_client_nor_boto3() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_probe_sees_an_eager_import() -> None:
    """Without this, a probe that never saw modules would pass the test above."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, kubernetes.client\n" + PROBE.split("\n", 2)[2]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "'kubernetes.client'" in done.stdout
