"""Pods as a kubelet and a scheduler would report them: Pending while their containers are
created, then Running and Ready, or failing as the test scripted for their image, with the
Warning events that go with it."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.kube.store import Store, now_text

FAILURES = ("ImagePullBackOff", "CrashLoopBackOff", "Unschedulable")


class Kubelet:
    def __init__(self, store: Store, ready_after: float) -> None:
        self.store = store
        self.ready_after = ready_after
        self.failures: dict[str, str] = {}
        self._born: dict[str, float] = {}  # pod uid -> when it was created (monotonic)
        self._warned: set[tuple[str, str]] = set()

    def fail(self, image: str, reason: str) -> None:
        if reason not in FAILURES:
            raise ValueError(f"scripted failures are {FAILURES}, not {reason}")
        self.failures[image] = reason

    def born(self, pod: dict[str, Any]) -> None:
        self._born[pod["metadata"]["uid"]] = time.monotonic()

    def update(self, pod: dict[str, Any]) -> None:
        """Write the pod's status for its age and its image's scripted failure."""
        meta = pod["metadata"]
        age = time.monotonic() - self._born.setdefault(meta["uid"], time.monotonic())
        containers = pod["spec"].get("containers") or []
        failure = next(
            (
                (c, self.failures[c.get("image", "")])
                for c in containers
                if c.get("image") in self.failures
            ),
            None,
        )
        if failure is not None and failure[1] == "Unschedulable":
            status = _pod_status("Pending", scheduled=False)
            self._warn(pod, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.")
        elif failure is not None and failure[1] == "ImagePullBackOff":
            image = failure[0]["image"]
            status = _pod_status(
                "Pending",
                waiting=("ImagePullBackOff", f'Back-off pulling image "{image}"'),
                containers=containers,
            )
            self._warn(
                pod,
                "Failed",
                f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull '
                f'and unpack image "{image}": not found',
            )
        elif failure is not None:
            status = _pod_status(
                "Running",
                waiting=("CrashLoopBackOff", "back-off 10s restarting failed container"),
                containers=containers,
            )
            self._warn(pod, "BackOff", "Back-off restarting failed container")
        elif age < self.ready_after:  # a scripted failure shows at once: tests wait less
            status = _pod_status(
                "Pending", waiting=("ContainerCreating", ""), containers=containers
            )
        else:
            status = _pod_status("Running", containers=containers)
        if status != pod.get("status"):
            self.store.update(
                "Pod", meta["namespace"], meta["name"], {"status": status}, status=True
            )

    def _warn(self, pod: dict[str, Any], reason: str, message: str) -> None:
        meta = pod["metadata"]
        if (meta["uid"], reason) in self._warned:
            return
        self._warned.add((meta["uid"], reason))
        self.store.create(
            "Event",
            meta["namespace"],
            {
                "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:12]}"},
                "involvedObject": {
                    "kind": "Pod",
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta["uid"],
                },
                "reason": reason,
                "message": message,
                "type": "Warning",
                "count": 1,
                "firstTimestamp": now_text(),
                "lastTimestamp": now_text(),
                "source": {
                    "component": "kubelet" if reason != "FailedScheduling" else "default-scheduler"
                },
            },
        )


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _pod_status(
    phase: str,
    *,
    scheduled: bool = True,
    waiting: tuple[str, str] | None = None,
    containers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    if not scheduled:
        return {
            "phase": phase,
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient cpu.",
                }
            ],
        }
    ready = "True" if waiting is None else "False"
    statuses = []
    for container in containers or []:
        state: dict[str, Any] = (
            {"running": {}}
            if waiting is None
            else {"waiting": {"reason": waiting[0], "message": waiting[1]}}
        )
        entry = {
            "name": container["name"],
            "image": container.get("image", ""),
            "ready": waiting is None,
            "restartCount": 0,
            "state": state,
        }
        if waiting is not None and waiting[0] == "CrashLoopBackOff":
            entry["restartCount"] = 3
            entry["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error"}}
        statuses.append(entry)
    return {
        "phase": phase,
        "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "ContainersReady", "status": ready},
            {"type": "Ready", "status": ready},
        ],
        "containerStatuses": statuses,
    }
