"""The Kubernetes API calls the EKS target makes, through the official client, on plain dicts.

Objects are applied with server-side apply (field manager `quartermaster`, forced): create or
update in one call, leaving fields that other managers own (an autoscaler's replicas) alone.
Responses are read as JSON, not as the client's models: the rollouts need a few fields, and the
models' validation would add cost to every call. API errors become the project's error tree
with the server's own message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chalicelib.errors import (
    Conflict,
    DependencyFailure,
    Forbidden,
    InvalidInput,
    QuartermasterError,
)

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

FIELD_MANAGER = "quartermaster"
APPLY = "application/apply-patch+yaml"
JSON_PATCH = "application/json-patch+json"
# One call's time limit (connect, read): an API server that stops answering fails the call.
REQUEST_TIMEOUT = (10.0, 30.0)

# kind -> (API class, the suffix of its methods' names: patch_namespaced_<suffix>, ...)
_KINDS = {
    "Deployment": ("AppsV1Api", "deployment"),
    "ReplicaSet": ("AppsV1Api", "replica_set"),
    "Service": ("CoreV1Api", "service"),
    "ConfigMap": ("CoreV1Api", "config_map"),
    "Secret": ("CoreV1Api", "secret"),
    "ServiceAccount": ("CoreV1Api", "service_account"),
    "Pod": ("CoreV1Api", "pod"),
    "Event": ("CoreV1Api", "event"),
}


class KubernetesApi:
    """Get, apply, patch, delete, list and watch namespaced objects of the kinds above."""

    def __init__(self, client: ApiClient, cluster: str) -> None:
        self._client = client
        self.cluster = cluster
        self._apis: dict[str, Any] = {}

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create or update `body` (server-side apply); the object as stored."""
        meta = body["metadata"]
        return self._call(
            body["kind"],
            "patch",
            meta["name"],
            meta["namespace"],
            body=body,
            field_manager=FIELD_MANAGER,
            force=True,
            _content_type=APPLY,
        )

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The object, or None when it does not exist."""
        try:
            return self._call(kind, "read", name, namespace)
        except _Missing:
            return None

    def patch(
        self, kind: str, namespace: str, name: str, patch: dict[str, Any] | list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A strategic merge patch (a dict) or a JSON patch (a list of operations)."""
        content_type = JSON_PATCH if isinstance(patch, list) else None
        return self._call(kind, "patch", name, namespace, body=patch, _content_type=content_type)

    def delete(self, kind: str, namespace: str, name: str) -> bool:
        """Delete the object (its dependents in the background); False when it was absent."""
        try:
            self._call(kind, "delete", name, namespace, propagation_policy="Background")
        except _Missing:
            return False
        return True

    def list(
        self, kind: str, namespace: str, *, labels: dict[str, str] | None = None, fields: str = ""
    ) -> list[dict[str, Any]]:
        selector = ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items()))
        listed = self._call(
            kind,
            "list",
            None,
            namespace,
            label_selector=selector or None,
            field_selector=fields or None,
        )
        return list(listed.get("items") or [])

    def watch(
        self, kind: str, namespace: str, name: str, seconds: float
    ) -> Iterator[dict[str, Any]]:
        """The object each time it changes, for at most `seconds` (its current state first)."""
        from kubernetes.watch import Watch

        api, suffix = self._api(kind)
        # kubernetes.watch is untyped; "object" keeps events as dicts (no model parsing).
        watch = Watch(return_type="object")  # type: ignore[no-untyped-call]
        try:
            for event in watch.stream(  # type: ignore[no-untyped-call]
                getattr(api, f"list_namespaced_{suffix}"),
                namespace,
                field_selector=f"metadata.name={name}",
                timeout_seconds=max(1, int(seconds)),
                _request_timeout=(REQUEST_TIMEOUT[0], seconds + REQUEST_TIMEOUT[0]),
            ):
                if event["type"] == "ERROR":
                    break
                yield event["raw_object"]
        except Exception as exc:
            raise self._error(exc, f"watching {kind} {namespace}/{name}") from None
        finally:
            watch.stop()  # type: ignore[no-untyped-call]

    def _api(self, kind: str) -> tuple[Any, str]:
        from kubernetes import client

        class_name, suffix = _KINDS[kind]
        if class_name not in self._apis:
            self._apis[class_name] = getattr(client, class_name)(self._client)
        return self._apis[class_name], suffix

    def _call(
        self, kind: str, verb: str, name: str | None, namespace: str, **arguments: Any
    ) -> dict[str, Any]:
        api, suffix = self._api(kind)
        method = getattr(api, f"{verb}_namespaced_{suffix}")
        positional = [namespace] if name is None else [name, namespace]
        what = f"{verb} {kind} {namespace}/{name}" if name else f"{verb} {kind} in {namespace}"
        try:
            response = method(
                *positional,
                _preload_content=False,
                _request_timeout=REQUEST_TIMEOUT,
                **{key: value for key, value in arguments.items() if value is not None},
            )
            data = response.data
        except Exception as exc:
            raise self._error(exc, what) from None
        return json.loads(data) if data else {}

    def _error(self, exc: Exception, what: str) -> Exception:
        from kubernetes.client.exceptions import ApiException

        if isinstance(exc, QuartermasterError):
            return exc
        where = f"EKS cluster '{self.cluster}'"
        if not isinstance(exc, ApiException):
            return DependencyFailure(f"{what} on {where} failed: {type(exc).__name__}: {exc}")
        status = exc.status or 0
        message = _status_message(exc.body) or exc.reason or ""
        if status == 404:
            return _Missing(f"{what}: not found")
        if status == 401:
            return Forbidden(
                f"{where} refused the deployer's token for {what} ({message}): the cluster "
                "must accept the deployer's IAM role (an EKS access entry or aws-auth mapping)"
            )
        if status == 403:
            return Forbidden(
                f"{where} does not allow {what} ({message}): grant the deployer's Kubernetes "
                "user these verbs in the namespace (a Role and RoleBinding)"
            )
        if status == 409:
            return Conflict(f"{what} on {where} conflicts: {message}")
        if status in (400, 422):
            return InvalidInput(f"{where} refused {what}: {message}")
        return DependencyFailure(f"{what} on {where} failed ({status}): {message}")


class _Missing(QuartermasterError):
    """The object does not exist (404); get and delete answer None and False for it."""

    status_code = 404


def _status_message(body: Any) -> str:
    """The `message` of a Kubernetes Status body, or the body itself."""
    if not body:
        return ""
    try:
        status = json.loads(body)
    except (TypeError, ValueError):
        return str(body)[:500]
    return str(status.get("message", "")) if isinstance(status, dict) else str(body)[:500]
