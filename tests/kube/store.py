"""The stand-in's object store: objects by kind, namespace and name, a resourceVersion for
every change, and the change log watches read from (a watch from an old version replays it)."""

from __future__ import annotations

import copy
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from tests.kube.kinds import BY_KIND, Kind
from tests.kube.selectors import field_matcher, label_matcher

LOG_SIZE = 20_000
Key = tuple[str, str, str]  # kind, namespace ("" when cluster-scoped), name


class ApiError(Exception):
    """An answer other than success, as a Kubernetes Status."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message

    def status(self) -> dict[str, Any]:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def not_found(kind: Kind, name: str) -> ApiError:
    resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
    return ApiError(404, "NotFound", f'{resource} "{name}" not found')


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objects: dict[Key, dict[str, Any]] = {}
        self.log: list[tuple[int, str, dict[str, Any]]] = []
        self.version = 100
        self._ips = itertools.count(10)
        self.create("Namespace", "", {"metadata": {"name": "default"}})

    # reads -----------------------------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        with self.lock:
            found = self.objects.get((kind, namespace, name))
            if found is None:
                raise not_found(BY_KIND[kind], name)
            return copy.deepcopy(found)

    def list(
        self, kind: str, namespace: str | None, labels: str | None = None, fields: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        matches = _matcher(labels, fields)
        with self.lock:
            items = [
                copy.deepcopy(obj)
                for (k, ns, _), obj in sorted(self.objects.items())
                if k == kind and (namespace is None or ns == namespace) and matches(obj)
            ]
            return items, self.version

    def watch(
        self,
        kind: str,
        namespace: str | None,
        labels: str | None,
        fields: str | None,
        since: int | None,
        seconds: float,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Changes after version `since` (None: the current objects as ADDED, then changes)."""
        matches = _matcher(labels, fields)
        deadline = time.monotonic() + seconds
        with self.lock:
            if since is None:
                items, since = self.list(kind, namespace, labels, fields)
                pending = [("ADDED", item) for item in items]
            else:
                if self.log and since < self.log[0][0] - 1:
                    raise ApiError(410, "Expired", f"too old resource version: {since}")
                pending = []
        yield from pending
        while (left := deadline - time.monotonic()) > 0:
            with self.lock:
                fresh = [entry for entry in self.log if entry[0] > since]
                if not fresh:
                    self.changed.wait(min(left, 1.0))
                    continue
            for version, change, obj in fresh:
                since = version
                meta = obj["metadata"]
                if obj["kind"] != kind or (
                    namespace is not None and meta.get("namespace") != namespace
                ):
                    continue
                if matches(obj):
                    yield change, copy.deepcopy(obj)

    # writes ----------------------------------------------------------------------------------

    def create(self, kind: str, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        spec = BY_KIND[kind]
        obj = copy.deepcopy(body)
        obj["kind"], obj["apiVersion"] = kind, spec.api_version
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        name = meta.get("name")
        if not name:
            raise ApiError(422, "Invalid", f"{kind} is invalid: metadata.name: Required value")
        with self.lock:
            if spec.namespaced:
                meta["namespace"] = namespace
                if ("Namespace", "", namespace) not in self.objects:
                    raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found')
            key = (kind, namespace if spec.namespaced else "", name)
            if key in self.objects:
                resource = f"{spec.plural}.{spec.group}" if spec.group else spec.plural
                raise ApiError(409, "AlreadyExists", f'{resource} "{name}" already exists')
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_text(), generation=1)
            _defaults(obj, self._ips)
            return self._put(key, obj, "ADDED")

    def update(
        self, kind: str, namespace: str, name: str, body: dict[str, Any], *, status: bool = False
    ) -> dict[str, Any]:
        """Replace the object (or only its status); the server's fields are kept."""
        with self.lock:
            old = self.get(kind, namespace, name)
            given = body.get("metadata", {}).get("resourceVersion")
            if given and given != old["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {kind.lower()}s "{name}": the object has '
                    "been modified; please apply your changes to the latest version and try again",
                )
            obj = copy.deepcopy(old) if status else copy.deepcopy(body)
            if status:
                obj["status"] = copy.deepcopy(body.get("status", {}))
            else:
                if "status" in old:
                    obj["status"] = old["status"]
                obj.setdefault("metadata", {})
            meta = obj["metadata"]
            for field in ("uid", "creationTimestamp", "namespace", "name"):
                if field in old["metadata"]:
                    meta[field] = old["metadata"][field]
            meta["generation"] = old["metadata"].get("generation", 1) + (
                1 if obj.get("spec") != old.get("spec") else 0
            )
            obj["kind"], obj["apiVersion"] = kind, old["apiVersion"]
            _defaults(obj, self._ips, old)
            _check_update(kind, old, obj)
            if _same(old, obj):
                return old
            return self._put(
                (kind, namespace if BY_KIND[kind].namespaced else "", name), obj, "MODIFIED"
            )

    def delete(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        with self.lock:
            key = (kind, namespace if BY_KIND[kind].namespaced else "", name)
            obj = self.objects.pop(key, None)
            if obj is None:
                raise not_found(BY_KIND[kind], name)
            self.version += 1
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(self.version)
            self._log("DELETED", obj)
            return obj

    def _put(self, key: Key, obj: dict[str, Any], change: str) -> dict[str, Any]:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        self.objects[key] = obj
        self._log(change, obj)
        return copy.deepcopy(obj)

    def _log(self, change: str, obj: dict[str, Any]) -> None:
        self.log.append((self.version, change, copy.deepcopy(obj)))
        del self.log[:-LOG_SIZE]
        self.changed.notify_all()


def _matcher(labels: str | None, fields: str | None) -> Callable[[Mapping[str, Any]], bool]:
    by_labels, by_fields = label_matcher(labels), field_matcher(fields)
    return lambda obj: by_labels(obj["metadata"].get("labels") or {}) and by_fields(obj)


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    strip = ("resourceVersion", "managedFields")
    a = {**old, "metadata": {k: v for k, v in old["metadata"].items() if k not in strip}}
    b = {**new, "metadata": {k: v for k, v in new["metadata"].items() if k not in strip}}
    return a == b


def _defaults(obj: dict[str, Any], ips: Iterator[int], old: dict[str, Any] | None = None) -> None:
    """What the API server fills in: replicas and strategy, a Service's cluster IP and ports."""
    spec = obj.get("spec")
    if obj["kind"] in ("Deployment", "ReplicaSet") and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        if obj["kind"] == "Deployment":
            spec.setdefault("revisionHistoryLimit", 10)
            spec.setdefault("progressDeadlineSeconds", 600)
            spec.setdefault(
                "strategy",
                {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                },
            )
        obj.setdefault("status", {})
    if obj["kind"] == "Service" and isinstance(spec, dict):
        previous = (old or {}).get("spec", {}).get("clusterIP")
        spec["clusterIP"] = previous or spec.get("clusterIP") or f"10.100.0.{next(ips)}"
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    if obj["kind"] == "Pod":
        obj.setdefault("status", {"phase": "Pending"})


def _check_update(kind: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    immutable = kind in ("Deployment", "ReplicaSet")
    if immutable and old["spec"].get("selector") != new["spec"].get("selector"):
        raise ApiError(
            422,
            "Invalid",
            f'{kind}.apps "{old["metadata"]["name"]}" is invalid: spec.selector: Invalid '
            "value: field is immutable",
        )
