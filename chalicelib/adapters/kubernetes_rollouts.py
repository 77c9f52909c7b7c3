"""Rollouts of one Deployment: wait for one (and say which pods failed and why), undo one to the
previous revision, and read what runs now.

Undo works as `kubectl rollout undo` does: the ReplicaSet of the previous revision holds the
exact pod template that ran before, which replaces the Deployment's template (a JSON patch, so
nothing of the failed template survives a merge).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.kubernetes_api import KubernetesApi
from chalicelib.engine.kubernetes.rollout_status import (
    REVISION,
    TEMPLATE_HASH,
    PodProblem,
    pod_problems,
    rollout_state,
)
from chalicelib.engine.kubernetes.versions import version_of

DEPLOYED_AT = "quartermaster.dev/deployed-at"
# Inside a shared deadline that has run out, a wait still looks once: a rollout that is already
# complete is reported as such, not as timed out.
LAST_LOOK_SECONDS = 1.0


@dataclass(frozen=True)
class RolloutResult:
    """How a rollout of one Deployment ended."""

    deployment: str
    ready: bool
    images: dict[str, str]  # container -> image of the template that was rolled out
    message: str
    problems: tuple[PodProblem, ...] = ()

    def describe(self) -> str:
        images = ", ".join(f"{c}={i}" for c, i in sorted(self.images.items()))
        head = f"Deployment {self.deployment} ({images})"
        if self.ready:
            return f"{head} is rolled out: {self.message}"
        failing = "; ".join(str(p) for p in self.problems) or "no pod reported a reason"
        return f"{head} did not become ready: {self.message}; {failing}"


@dataclass(frozen=True)
class Restored:
    """What a rollback put back, and what it replaced."""

    deployment: str
    images: dict[str, str]
    replaced: dict[str, str]
    revision: int  # the revision whose template came back (0: the template was not changed)
    version: str = ""

    def describe(self) -> str:
        back = ", ".join(f"{c}={i}" for c, i in sorted(self.images.items()))
        gone = ", ".join(f"{c}={i}" for c, i in sorted(self.replaced.items()))
        which = f"revision {self.revision}" if self.revision else "the version it ran"
        return f"Deployment {self.deployment} restored to {which} ({back}), replacing {gone}"


@dataclass(frozen=True)
class Running:
    """What a Deployment runs now."""

    deployment: str
    images: dict[str, str]
    since: str | None  # when Quartermaster deployed it (or its ReplicaSet was created)
    revision: int
    ready_replicas: int
    replicas: int
    previous_images: dict[str, str] = field(default_factory=dict)


def utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KubernetesRollouts:
    """Waits for, undoes and reads rollouts through a KubernetesApi."""

    def __init__(
        self,
        api: KubernetesApi,
        clock: Callable[[], float] = time.monotonic,
        timestamp: Callable[[], str] = utc_timestamp,
    ) -> None:
        self.api = api
        self._clock = clock
        self.timestamp = timestamp
        self._shared_deadline: float | None = None

    @contextmanager
    def sharing(self, timeout: float) -> Iterator[None]:
        """Every wait inside shares one deadline `timeout` seconds away: a step that waits for
        two rollouts (a canary's candidate, then its primary) waits `timeout` in all, so it ends
        within the function's own time limit (chalicelib/domain/targets.py bounds it)."""
        outer = self._shared_deadline
        end = self._clock() + timeout
        self._shared_deadline = end if outer is None else min(outer, end)
        try:
            yield
        finally:
            self._shared_deadline = outer

    def wait(self, namespace: str, name: str, timeout: float) -> RolloutResult:
        """Wait up to `timeout` seconds for the rollout of Deployment `name` to complete."""
        deadline = self._clock() + timeout
        if self._shared_deadline is not None:
            deadline = min(deadline, max(self._shared_deadline, self._clock() + LAST_LOOK_SECONDS))
            timeout = max(deadline - self._clock(), 0.0)
        message = "not observed yet"
        while (left := deadline - self._clock()) > 0:
            for deployment in self.api.watch("Deployment", namespace, name, left):
                state = rollout_state(deployment)
                message = state.message
                if state.done:
                    return RolloutResult(name, True, template_images(deployment), message)
                if state.failed or self._clock() >= deadline:
                    return self._failed(namespace, name, message)
        return self._failed(namespace, name, f"timed out after {timeout:g} s: {message}")

    def _failed(self, namespace: str, name: str, message: str) -> RolloutResult:
        deployment = self.api.get("Deployment", namespace, name)
        if deployment is None:
            return RolloutResult(name, False, {}, f"{message}; the Deployment is gone")
        current = self._replica_sets(namespace, deployment).get(revision_of(deployment))
        template_hash = None if current is None else _labels(current).get(TEMPLATE_HASH)
        selector = deployment["spec"]["selector"].get("matchLabels") or {}
        pods = self.api.list("Pod", namespace, labels=selector)
        events = self.api.list("Event", namespace, fields="type=Warning")
        problems = tuple(pod_problems(pods, events, template_hash))
        return RolloutResult(name, False, template_images(deployment), message, problems)

    def undo(self, namespace: str, name: str, version: str | None = None) -> Restored | None:
        """Put back the pod template of `version` (the newest revision that ran it), or of the
        previous revision; None when there is no such revision left."""
        deployment = self.api.get("Deployment", namespace, name)
        if deployment is None:
            return None
        history = self._replica_sets(namespace, deployment)
        current = revision_of(deployment)
        if version is None:
            earlier = [revision for revision in history if revision < current]
        else:
            earlier = [r for r, rs in history.items() if version_of(rs) == version and r != current]
        if not earlier:
            return None
        previous = history[max(earlier)]
        template = previous["spec"]["template"]
        template.get("metadata", {}).get("labels", {}).pop(TEMPLATE_HASH, None)
        self.api.patch(
            "Deployment",
            namespace,
            name,
            [
                {"op": "replace", "path": "/spec/template", "value": template},
                {
                    "op": "add",
                    "path": "/metadata/annotations",
                    "value": {**_annotations(deployment), DEPLOYED_AT: self.timestamp()},
                },
            ],
        )
        replaced = template_images(deployment)
        return Restored(name, pod_images(template), replaced, max(earlier), version_of(previous))

    def running(self, namespace: str, name: str) -> Running | None:
        deployment = self.api.get("Deployment", namespace, name)
        if deployment is None:
            return None
        history = self._replica_sets(namespace, deployment)
        revision = revision_of(deployment)
        current = history.get(revision)
        since = _annotations(deployment).get(DEPLOYED_AT) or (
            None if current is None else current["metadata"].get("creationTimestamp")
        )
        earlier = [r for r in history if r < revision]
        previous = pod_images(history[max(earlier)]["spec"]["template"]) if earlier else {}
        status = deployment.get("status") or {}
        return Running(
            deployment=name,
            images=template_images(deployment),
            since=since,
            revision=revision,
            ready_replicas=int(status.get("readyReplicas", 0)),
            replicas=int(deployment["spec"].get("replicas", 1)),
            previous_images=previous,
        )

    def _replica_sets(
        self, namespace: str, deployment: Mapping[str, Any]
    ) -> dict[int, dict[str, Any]]:
        """The Deployment's ReplicaSets by revision."""
        uid = deployment["metadata"].get("uid")
        selector = deployment["spec"]["selector"].get("matchLabels") or {}
        owned: dict[int, dict[str, Any]] = {}
        for replica_set in self.api.list("ReplicaSet", namespace, labels=selector):
            owners = replica_set["metadata"].get("ownerReferences") or []
            if any(owner.get("uid") == uid for owner in owners):
                owned[revision_of(replica_set)] = replica_set
        return owned


def revision_of(item: Mapping[str, Any]) -> int:
    try:
        return int(_annotations(item).get(REVISION, "0"))
    except ValueError:
        return 0


def template_images(deployment: Mapping[str, Any]) -> dict[str, str]:
    return pod_images(deployment["spec"]["template"])


def pod_images(template: Mapping[str, Any]) -> dict[str, str]:
    containers = (template.get("spec") or {}).get("containers") or []
    return {str(c["name"]): str(c.get("image", "")) for c in containers}


def _annotations(item: Mapping[str, Any]) -> dict[str, str]:
    return dict(item.get("metadata", {}).get("annotations") or {})


def _labels(item: Mapping[str, Any]) -> dict[str, str]:
    return dict(item.get("metadata", {}).get("labels") or {})
