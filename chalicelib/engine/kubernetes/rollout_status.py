"""Reading a Deployment's rollout and its pods: done, still going, or stuck and why.

`rollout_state` follows `kubectl rollout status`: the controller has seen the latest spec, every
replica runs the new template and is available, and no old replica is left; a Progressing
condition with reason ProgressDeadlineExceeded is a failure. `pod_problems` says which pods of
the new template are not ready and why, from their status and their Warning events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
# Waiting reasons that do not clear by themselves (a pull that failed keeps failing, a container
# that crashes keeps crashing), as opposed to ContainerCreating or PodInitializing.
STUCK = {
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
}


@dataclass(frozen=True)
class RolloutState:
    done: bool
    failed: bool
    message: str


@dataclass(frozen=True)
class PodProblem:
    pod: str
    reason: str  # ImagePullBackOff, CrashLoopBackOff, Unschedulable, NotReady, ...
    message: str

    def __str__(self) -> str:
        return f"pod {self.pod}: {self.reason}" + (f" ({self.message})" if self.message else "")


def rollout_state(deployment: Mapping[str, Any]) -> RolloutState:
    spec, status = deployment.get("spec", {}), deployment.get("status") or {}
    meta = deployment.get("metadata", {})
    name = meta.get("name", "")
    if int(meta.get("generation", 0)) > int(status.get("observedGeneration", 0)):
        return RolloutState(False, False, f"waiting for Deployment {name}'s spec to be observed")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and (
            condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            return RolloutState(False, True, f"Deployment {name} exceeded its progress deadline")
    wanted = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas", 0))
    total = int(status.get("replicas", 0))
    available = int(status.get("availableReplicas", 0))
    if updated < wanted:
        return RolloutState(False, False, f"{updated} of {wanted} new replicas updated")
    if total > updated:
        return RolloutState(False, False, f"{total - updated} old replicas pending termination")
    if available < updated:
        return RolloutState(False, False, f"{available} of {updated} updated replicas available")
    return RolloutState(True, False, f"{available} of {wanted} replicas available")


def pod_problems(
    pods: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    template_hash: str | None,
) -> list[PodProblem]:
    """Why the pods of the template with `template_hash` (all pods when None) are not ready."""
    warnings: dict[str, str] = {}
    for event in events:
        if event.get("type") == "Warning":
            involved = (event.get("involvedObject") or {}).get("name", "")
            warnings[involved] = str(event.get("message", ""))
    problems = []
    for pod in pods:
        meta = pod.get("metadata", {})
        if template_hash is not None and (meta.get("labels") or {}).get(TEMPLATE_HASH) != (
            template_hash
        ):
            continue
        if meta.get("deletionTimestamp"):
            continue
        problem = _pod_problem(pod, warnings.get(meta.get("name", ""), ""))
        if problem is not None:
            problems.append(problem)
    return sorted(problems, key=lambda p: p.pod)


def _pod_problem(pod: Mapping[str, Any], warning: str) -> PodProblem | None:
    name = pod.get("metadata", {}).get("name", "")
    status = pod.get("status") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    if conditions.get("Ready", {}).get("status") == "True":
        return None
    scheduled = conditions.get("PodScheduled", {})
    if scheduled.get("status") == "False":
        reason = scheduled.get("reason") or "Unschedulable"
        return PodProblem(name, reason, scheduled.get("message") or warning)
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason")
        if reason in STUCK:
            message = waiting.get("message") or warning
            terminated = (container.get("lastState") or {}).get("terminated") or {}
            if reason == "CrashLoopBackOff" and terminated:
                exit_code = terminated.get("exitCode")
                message = f"last exit code {exit_code} ({terminated.get('reason', 'Error')})"
            return PodProblem(name, reason, f"container {container.get('name')}: {message}")
    phase = status.get("phase", "Pending")
    return PodProblem(name, "NotReady", f"phase {phase}" + (f": {warning}" if warning else ""))
