"""The kinds the stand-in serves: where each lives in the API and how discovery lists it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

KINDS = (
    Kind("", "v1", "Pod", "pods", short_names=("po",), subresources=("status",)),
    Kind("", "v1", "Service", "services", short_names=("svc",), subresources=("status",)),
    Kind("", "v1", "ConfigMap", "configmaps", short_names=("cm",)),
    Kind("", "v1", "Secret", "secrets"),
    Kind("", "v1", "ServiceAccount", "serviceaccounts", short_names=("sa",)),
    Kind("", "v1", "Event", "events", short_names=("ev",)),
    Kind("", "v1", "Namespace", "namespaces", namespaced=False, short_names=("ns",)),
    Kind(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short_names=("deploy",),
        subresources=("status", "scale"),
    ),
    Kind("apps", "v1", "ReplicaSet", "replicasets", short_names=("rs",), subresources=("status",)),
)

BY_PLURAL = {(k.group, k.plural): k for k in KINDS}
BY_KIND = {k.kind: k for k in KINDS}
