"""`import app` (every function's cold start) builds no model it does not need: the lighthouse,
the uniform, deployment and integration models load with the routes and handlers that use them.
Building those pydantic classes at import once took the cold start from 1.4 to 2.1 times a bare
`import boto3` (bench/cold_start.py measures the time; this guards the cause)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "chalicelib.engine.lighthouse",
    "chalicelib.domain.uniform",
    "chalicelib.domain.integrations",
    "chalicelib.domain.deployment_records",
    "chalicelib.domain.targets",
)
PROBE = f"""
import sys
{{before}}
import app
print(sorted(m for m in sys.modules if m in {HEAVY!r}))
"""


def _loaded(before: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(before=before)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_import_app_builds_none_of_the_heavy_models() -> None:
    assert _loaded() == "[]"


def test_the_probe_sees_an_eager_import() -> None:
    """Without this, a probe that never saw modules would pass the test above."""
    assert "'chalicelib.domain.uniform'" in _loaded("import chalicelib.domain.uniform")
