"""The stand-in served over HTTPS on 127.0.0.1: routing, the verbs, watch streams, token checks.

with KubeStandIn(cluster="prod", secret_of={"AKID": "secret"}.get) as kube:
    kube.url, kube.ca_pem           # what DescribeCluster would return
    kube.controllers.fail("carts:bad", "ImagePullBackOff")
    kube.requests                   # (method, path, access key) of every call
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

import trustme
import yaml

from tests.kube import discovery, tables
from tests.kube.controllers import Controllers
from tests.kube.kinds import BY_PLURAL, Kind
from tests.kube.patches import PatchError, json_patch, merge_patch, strategic_merge
from tests.kube.store import ApiError, Store
from tests.kube.tokens import TokenRefused, verify
from tests.kube.transport import handler_for

_RESOURCE = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[a-z0-9.-]+)/(?P<version>v[a-z0-9]+))"
    r"(?:/namespaces/(?P<namespace>[^/]+))?/(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>status|scale))?$"
)


class KubeStandIn:
    def __init__(
        self,
        cluster: str,
        secret_of: Callable[[str], str | None],
        ready_after: float = 0.3,
        namespaces: tuple[str, ...] = ("default",),
    ) -> None:
        self.cluster = cluster
        self.secret_of = secret_of
        self.store = Store()
        for namespace in namespaces:
            if namespace != "default":
                self.store.create("Namespace", "", {"metadata": {"name": namespace}})
        self.controllers = Controllers(self.store, ready_after)
        self.requests: list[tuple[str, str, str]] = []
        self.refusals: list[str] = []
        self._ca = trustme.CA()
        certificate = self._ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certificate.configure_cert(context)
        context.set_alpn_protocols(["http/1.1"])
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ca_pem(self) -> str:
        return self._ca.cert_pem.bytes().decode("ascii")

    def __enter__(self) -> KubeStandIn:
        self.controllers.start()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.controllers.stop()

    # the API ---------------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> str:
        token = (header or "").removeprefix("Bearer ").strip()
        try:
            return verify(token, self.cluster, self.secret_of).access_key
        except (TokenRefused, ValueError) as exc:
            self.refusals.append(str(exc))
            raise ApiError(401, "Unauthorized", "Unauthorized") from None

    def read(self, path: str, query: dict[str, str], address: str, as_table: bool = False) -> Any:
        fixed: dict[str, Any] = {
            "/version": discovery.VERSION,
            "/api": discovery.api_versions(address),
            "/apis": discovery.api_groups(),
            "/apis/apps": discovery.api_group("apps"),
            "/openapi/v3": discovery.openapi_v3_index(),
        }
        for prefix in ("/healthz", "/readyz", "/livez"):
            fixed[prefix] = "ok"
        if path in fixed:
            return fixed[path]
        found = re.match(r"^/(?:openapi/v3/)?(?:api/(v1)|apis/([a-z0-9.-]+)/(v1))$", path)
        if found:
            group, version = found.group(2) or "", found.group(1) or found.group(3)
            opener = (
                discovery.openapi_v3 if path.startswith("/openapi") else discovery.resource_list
            )
            document = opener(group, version)
            if document is not None:
                return document
        kind, namespace, name, sub = self._route(path)
        if name is None:
            items, version = self.store.list(
                kind.kind, namespace, query.get("labelSelector"), query.get("fieldSelector")
            )
            if as_table:
                return tables.table(kind.kind, items, version)
            return {
                "kind": f"{kind.kind}List",
                "apiVersion": kind.api_version,
                "metadata": {"resourceVersion": str(version)},
                "items": items,
            }
        obj = self.store.get(kind.kind, namespace or "", name)
        if as_table and sub is None:
            return tables.table(kind.kind, [obj], self.store.version)
        return _scale(obj) if sub == "scale" else obj

    def write(
        self, method: str, path: str, query: dict[str, str], content_type: str, body: bytes
    ) -> tuple[int, Any]:
        kind, namespace, name, sub = self._route(path)
        ns = namespace or ""
        if method == "DELETE":
            if name is None:
                raise ApiError(405, "MethodNotAllowed", "deletecollection is not served")
            return 200, self.store.delete(kind.kind, ns, name)
        try:
            data = (
                yaml.safe_load(body.decode("utf-8"))
                if "yaml" in content_type
                else json.loads(body or b"null")
            )
        except (ValueError, yaml.YAMLError) as exc:
            raise ApiError(400, "BadRequest", f"the body is not valid: {exc}") from None
        if method == "POST":
            if name is not None:
                raise ApiError(405, "MethodNotAllowed", "POST to a named object")
            _check_kind(kind, data)
            return 201, self.store.create(kind.kind, ns, data)
        if name is None:
            raise ApiError(405, "MethodNotAllowed", f"{method} needs an object name")
        if method == "PUT":
            return 200, self._put(kind, ns, name, sub, data)
        if method == "PATCH":
            return self._patch(kind, ns, name, sub, content_type, data, query)
        raise ApiError(405, "MethodNotAllowed", f"{method} is not served")

    def _put(self, kind: Kind, ns: str, name: str, sub: str | None, data: Any) -> dict[str, Any]:
        if sub == "scale":
            current = self.store.get(kind.kind, ns, name)
            current["spec"]["replicas"] = int(data["spec"]["replicas"])
            return _scale(self.store.update(kind.kind, ns, name, current))
        _check_kind(kind, data)
        return self.store.update(kind.kind, ns, name, data, status=sub == "status")

    def _patch(
        self,
        kind: Kind,
        ns: str,
        name: str,
        sub: str | None,
        content_type: str,
        patch: Any,
        query: dict[str, str],
    ) -> tuple[int, dict[str, Any]]:
        media = content_type.split(";")[0].strip()
        with self.store.lock:
            try:
                current = self.store.get(kind.kind, ns, name)
            except ApiError as missing:
                if media != "application/apply-patch+yaml":
                    raise
                if not query.get("fieldManager"):
                    raise ApiError(
                        422, "Invalid", "fieldManager is required for apply"
                    ) from missing
                _check_kind(kind, patch)
                return 201, self.store.create(kind.kind, ns, patch)
            target = _scale(current) if sub == "scale" else current
            try:
                if media == "application/json-patch+json":
                    patched = json_patch(target, patch)
                elif media == "application/merge-patch+json":
                    patched = merge_patch(target, patch)
                elif media in (
                    "application/strategic-merge-patch+json",
                    "application/apply-patch+yaml",
                ):
                    # Server-side apply with one manager, approximated by a strategic merge.
                    patched = strategic_merge(target, patch)
                else:
                    raise ApiError(
                        415, "UnsupportedMediaType", f"the patch type {media} is not supported"
                    )
            except PatchError as exc:
                raise ApiError(422, "Invalid", str(exc)) from None
            if sub == "scale":
                current["spec"]["replicas"] = int(patched["spec"]["replicas"])
                return 200, _scale(self.store.update(kind.kind, ns, name, current))
            patched["metadata"].pop("resourceVersion", None)
            return 200, self.store.update(kind.kind, ns, name, patched, status=sub == "status")

    def watch(self, path: str, query: dict[str, str]) -> Any:
        kind, namespace, name, _ = self._route(path)
        fields = query.get("fieldSelector") or ""
        if name is not None:
            fields = ",".join(filter(None, [fields, f"metadata.name={name}"]))
        version = query.get("resourceVersion")
        since = int(version) if version and version != "0" else None
        seconds = float(query.get("timeoutSeconds") or 1800)
        return self.store.watch(
            kind.kind, namespace, query.get("labelSelector"), fields, since, seconds
        )

    def _route(self, path: str) -> tuple[Kind, str | None, str | None, str | None]:
        found = _RESOURCE.match(path)
        if found is None:
            raise ApiError(
                404, "NotFound", f"the server could not find the requested resource ({path})"
            )
        group = found.group("group") or ""
        kind = BY_PLURAL.get((group, found.group("plural")))
        if kind is None:
            raise ApiError(
                404, "NotFound", f"the server could not find the requested resource ({path})"
            )
        if kind.kind == "Namespace":
            return kind, None, found.group("name"), found.group("sub")
        return kind, found.group("namespace"), found.group("name"), found.group("sub")


def _check_kind(kind: Kind, data: Any) -> None:
    if not isinstance(data, dict):
        raise ApiError(400, "BadRequest", "the body must be an object")
    given = data.get("kind")
    if given is not None and given != kind.kind:
        raise ApiError(400, "BadRequest", f"the body is a {given}, not a {kind.kind}")


def _scale(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": obj["spec"].get("replicas", 1)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0)},
    }
