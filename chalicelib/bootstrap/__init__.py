"""The composition root: the one place that picks adapters and builds services' dependencies.

`container()` holds every adapter of the process (bootstrap/container.py); the `*_deps`
functions hand each service the bundle it needs (deps.py, targets.py, uniform.py). Nothing is
built at import time.
"""

from __future__ import annotations

from chalicelib.bootstrap.container import (
    Container,
    build_aws_container,
    container,
    use_container,
    utc_now,
)
from chalicelib.bootstrap.deps import (
    deletion_deps,
    intake_deps,
    lighthouse_deps,
    link_key,
    project_deps,
    provider_deps,
    sequencing_deps,
    webhook_deps,
)
from chalicelib.bootstrap.targets import TargetAdapters, deploy_deps
from chalicelib.bootstrap.uniform import (
    container_runtime,
    executor_deps,
    guard_deps,
    hook_deps,
    integration_deps,
    log_deps,
    reconcile_deps,
    uniform_apply_deps,
)

__all__ = [
    "Container",
    "TargetAdapters",
    "build_aws_container",
    "container",
    "container_runtime",
    "deletion_deps",
    "deploy_deps",
    "executor_deps",
    "guard_deps",
    "hook_deps",
    "intake_deps",
    "integration_deps",
    "lighthouse_deps",
    "link_key",
    "log_deps",
    "project_deps",
    "provider_deps",
    "reconcile_deps",
    "sequencing_deps",
    "uniform_apply_deps",
    "use_container",
    "utc_now",
    "webhook_deps",
]
