"""The controllers, played simply: Deployments make ReplicaSets (one per pod template, with
revisions), ReplicaSets make Pods, Pods become Ready `ready_after` seconds after they are
created, and statuses are written back as the real controllers write them.

A test scripts failures by image: `fail("carts:bad", "ImagePullBackOff")` makes every pod
running that image fail that way (ImagePullBackOff, CrashLoopBackOff or Unschedulable), with
the status and Warning events a kubelet and scheduler would report.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from typing import Any

from tests.kube.kubelet import Kubelet, is_ready
from tests.kube.store import Store, now_text

REVISION = "deployment.kubernetes.io/revision"
HASH = "pod-template-hash"


class Controllers:
    def __init__(self, store: Store, ready_after: float = 0.3) -> None:
        self.store = store
        self.kubelet = Kubelet(store, ready_after)
        self._progress: dict[str, float] = {}  # ReplicaSet uid -> when it became the new one
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kube-controllers", daemon=True)

    def fail(self, image: str, reason: str) -> None:
        """Every pod running `image` fails with `reason` (see the module doc)."""
        self.kubelet.fail(image, reason)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.reconcile()
            except Exception as exc:  # a dead controller would hang every test: record, go on
                self.errors.append(repr(exc))

    def _save(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Write back a controller's change (no optimistic lock: it holds the store's lock)."""
        meta = obj["metadata"]
        meta.pop("resourceVersion", None)
        return self.store.update(obj["kind"], meta.get("namespace", ""), meta["name"], obj)

    def reconcile(self) -> None:
        with self.store.lock:
            for deployment in self.store.list("Deployment", None)[0]:
                self._deployment(deployment)
            self._collect_garbage()
            for replica_set in self.store.list("ReplicaSet", None)[0]:
                self._replica_set(replica_set)
            for pod in self.store.list("Pod", None)[0]:
                self.kubelet.update(pod)
            for deployment in self.store.list("Deployment", None)[0]:
                self._deployment_status(deployment)

    # Deployments -----------------------------------------------------------------------------

    def _owned(self, kind: str, owner: dict[str, Any]) -> list[dict[str, Any]]:
        namespace, uid = owner["metadata"]["namespace"], owner["metadata"]["uid"]
        return [
            item
            for item in self.store.list(kind, namespace)[0]
            if any(ref.get("uid") == uid for ref in item["metadata"].get("ownerReferences") or [])
        ]

    def _deployment(self, deployment: dict[str, Any]) -> None:
        meta, spec = deployment["metadata"], deployment["spec"]
        template = spec["template"]
        template_hash = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[
            :10
        ]
        owned = self._owned("ReplicaSet", deployment)
        latest = max((_revision(rs) for rs in owned), default=0)
        current = next((rs for rs in owned if _labels(rs).get(HASH) == template_hash), None)
        if current is None:
            current = self._new_replica_set(deployment, template_hash, latest + 1)
            owned.append(current)
        elif _revision(current) != latest or latest == 0:
            current["metadata"].setdefault("annotations", {})[REVISION] = str(latest + 1)
            current = self._save(current)
            self._progress[current["metadata"]["uid"]] = time.monotonic()
        revision = _annotations(current).get(REVISION, "1")
        if _annotations(deployment).get(REVISION) != revision:
            deployment["metadata"].setdefault("annotations", {})[REVISION] = revision
            self._save(deployment)
        wanted = int(spec.get("replicas", 1))
        current_ready = self._ready_pods(current)
        for rs in owned:
            is_current = rs["metadata"]["uid"] == current["metadata"]["uid"]
            replicas = (
                wanted if is_current else (0 if current_ready >= wanted else rs["spec"]["replicas"])
            )
            if rs["spec"].get("replicas") != replicas:
                rs["spec"]["replicas"] = replicas
                self._save(rs)
        limit = int(spec.get("revisionHistoryLimit", 10))
        old = sorted(
            (rs for rs in owned if rs is not current and rs["spec"]["replicas"] == 0), key=_revision
        )
        for rs in old[: max(0, len(old) - limit)]:
            self.store.delete("ReplicaSet", meta["namespace"], rs["metadata"]["name"])

    def _new_replica_set(
        self, deployment: dict[str, Any], template_hash: str, revision: int
    ) -> dict[str, Any]:
        meta, spec = deployment["metadata"], deployment["spec"]
        template = json.loads(json.dumps(spec["template"]))
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH] = template_hash
        body = {
            "metadata": {
                "name": f"{meta['name']}-{template_hash}",
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {REVISION: str(revision)},
                "ownerReferences": [_owner(deployment)],
            },
            "spec": {
                "replicas": 0,
                "selector": {
                    "matchLabels": {**spec["selector"]["matchLabels"], HASH: template_hash}
                },
                "template": template,
            },
        }
        created = self.store.create("ReplicaSet", meta["namespace"], body)
        self._progress[created["metadata"]["uid"]] = time.monotonic()
        return created

    def _deployment_status(self, deployment: dict[str, Any]) -> None:
        meta, spec = deployment["metadata"], deployment["spec"]
        owned = self._owned("ReplicaSet", deployment)
        revision = _annotations(deployment).get(REVISION)
        current = next((rs for rs in owned if _annotations(rs).get(REVISION) == revision), None)
        pods = [pod for rs in owned for pod in self._owned("Pod", rs)]
        new_pods = [] if current is None else self._owned("Pod", current)
        ready = sum(1 for pod in pods if is_ready(pod))
        wanted = int(spec.get("replicas", 1))
        complete = len(new_pods) == wanted and len(pods) == wanted and ready == wanted
        status: dict[str, Any] = {
            "observedGeneration": meta.get("generation", 1),
            "replicas": len(pods),
            "updatedReplicas": len(new_pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
        }
        if len(pods) - ready > 0:
            status["unavailableReplicas"] = len(pods) - ready
        name = "" if current is None else current["metadata"]["name"]
        started = 0.0 if current is None else self._progress.get(current["metadata"]["uid"], 0.0)
        if complete:
            progressing = (
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}" has successfully progressed.',
            )
        elif time.monotonic() - started > float(spec.get("progressDeadlineSeconds", 600)):
            progressing = (
                "False",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{name}" has timed out progressing.',
            )
        else:
            progressing = ("True", "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.')
        available = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        if ready < wanted:
            available = (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        old = {c["type"]: c for c in (deployment.get("status") or {}).get("conditions") or []}
        status["conditions"] = [
            _condition(old.get(kind), kind, *values)
            for kind, values in (("Available", available), ("Progressing", progressing))
        ]
        if status != deployment.get("status"):
            self.store.update(
                "Deployment", meta["namespace"], meta["name"], {"status": status}, status=True
            )

    # ReplicaSets and Pods ----------------------------------------------------------------------

    def _replica_set(self, replica_set: dict[str, Any]) -> None:
        meta = replica_set["metadata"]
        pods = [
            pod
            for pod in self._owned("Pod", replica_set)
            if not pod["metadata"].get("deletionTimestamp")
        ]
        wanted = int(replica_set["spec"].get("replicas", 1))
        template = replica_set["spec"]["template"]
        for _ in range(wanted - len(pods)):
            pod = self.store.create(
                "Pod",
                meta["namespace"],
                {
                    "metadata": {
                        "name": f"{meta['name']}-{uuid.uuid4().hex[:5]}",
                        "labels": dict(template["metadata"].get("labels") or {}),
                        "ownerReferences": [_owner(replica_set)],
                    },
                    "spec": json.loads(json.dumps(template.get("spec") or {})),
                },
            )
            self.kubelet.born(pod)
        surplus = sorted(
            pods, key=lambda pod: (is_ready(pod), pod["metadata"]["creationTimestamp"])
        )
        for pod in surplus[: max(0, len(pods) - wanted)]:
            self.store.delete("Pod", meta["namespace"], pod["metadata"]["name"])
        ready = sum(1 for pod in pods if is_ready(pod))
        status = {
            "replicas": min(len(pods), wanted) if wanted < len(pods) else len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": meta.get("generation", 1),
        }
        if status != replica_set.get("status"):
            self.store.update(
                "ReplicaSet", meta["namespace"], meta["name"], {"status": status}, status=True
            )

    def _ready_pods(self, replica_set: dict[str, Any]) -> int:
        return sum(1 for pod in self._owned("Pod", replica_set) if is_ready(pod))

    def _collect_garbage(self) -> None:
        for kind, owner_kind in (("ReplicaSet", "Deployment"), ("Pod", "ReplicaSet")):
            owners = {item["metadata"]["uid"] for item in self.store.list(owner_kind, None)[0]}
            for item in self.store.list(kind, None)[0]:
                refs = item["metadata"].get("ownerReferences") or []
                if refs and not any(ref.get("uid") in owners for ref in refs):
                    self.store.delete(kind, item["metadata"]["namespace"], item["metadata"]["name"])


def _owner(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _labels(item: dict[str, Any]) -> dict[str, str]:
    return dict(item["metadata"].get("labels") or {})


def _annotations(item: dict[str, Any]) -> dict[str, str]:
    return dict(item["metadata"].get("annotations") or {})


def _revision(item: dict[str, Any]) -> int:
    return int(_annotations(item).get(REVISION, "0"))


def _condition(
    old: dict[str, Any] | None, kind: str, status: str, reason: str, message: str
) -> dict[str, Any]:
    unchanged = old is not None and (old["status"], old["reason"]) == (status, reason)
    stamp = old["lastTransitionTime"] if unchanged and old else now_text()
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
    }
