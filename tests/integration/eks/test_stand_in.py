"""The stand-in answers as the API server does, for the calls the adapter does not make itself
(create, replace with a stale resourceVersion, merge patch, the scale subresource, a watch
resumed from a resourceVersion), driven with the official client's typed APIs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from chalicelib.adapters.eks_access import ClusterRef, EksAccess
from tests.integration.eks.conftest import CLUSTER, NAMESPACE, REGION
from tests.kube.server import KubeStandIn


@pytest.fixture
def core(access: EksAccess) -> client.CoreV1Api:
    return client.CoreV1Api(access.api_client(ClusterRef(CLUSTER, REGION)))


@pytest.fixture
def apps(access: EksAccess) -> client.AppsV1Api:
    return client.AppsV1Api(access.api_client(ClusterRef(CLUSTER, REGION)))


def config_map(data: dict[str, str], version: str | None = None) -> client.V1ConfigMap:
    metadata: dict[str, Any] = {"name": "settings"}
    if version is not None:
        metadata["resourceVersion"] = version
    found = client.V1ConfigMap.from_dict(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}
    )
    assert found is not None
    return found


def deployment(body: dict[str, Any]) -> client.V1Deployment:
    found = client.V1Deployment.from_dict(body)
    assert found is not None
    return found


def body_of(error: ApiException) -> str:
    assert error.body is not None
    return error.body


def test_create_replace_conflict_patch_and_delete(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map(NAMESPACE, config_map({"a": "1"}))
    assert created.metadata is not None
    assert created.metadata.uid
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_config_map(NAMESPACE, config_map({"a": "1"}))
    assert exists.value.status == 409
    version = created.metadata.resource_version
    replaced = core.replace_namespaced_config_map(
        "settings", NAMESPACE, config_map({"a": "2"}, version)
    )
    assert replaced.data == {"a": "2"}
    with pytest.raises(ApiException) as stale:  # the version read before the replace
        core.replace_namespaced_config_map("settings", NAMESPACE, config_map({"a": "3"}, version))
    assert stale.value.status == 409
    assert "the object has been modified" in body_of(stale.value)
    patched = core.patch_namespaced_config_map(
        "settings",
        NAMESPACE,
        {"data": {"a": None, "b": "1"}},
        _content_type="application/merge-patch+json",
    )
    assert patched.data == {"b": "1"}
    core.delete_namespaced_config_map("settings", NAMESPACE)
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("settings", NAMESPACE)
    assert gone.value.status == 404
    assert json.loads(body_of(gone.value))["message"] == 'configmaps "settings" not found'


def test_the_scale_subresource_and_a_resumed_watch(
    kube: KubeStandIn, apps: client.AppsV1Api
) -> None:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "web:1"}]},
            },
        },
    }
    created = apps.create_namespaced_deployment(NAMESPACE, deployment(body))
    assert created.metadata is not None
    since = created.metadata.resource_version
    apps.patch_namespaced_deployment_scale("web", NAMESPACE, {"spec": {"replicas": 3}})
    scale = apps.read_namespaced_deployment_scale("web", NAMESPACE).spec
    assert scale is not None
    assert scale.replicas == 3

    seen: list[tuple[str, int]] = []
    stream = watch.Watch()  # type: ignore[no-untyped-call]
    for event in stream.stream(  # type: ignore[no-untyped-call]
        apps.list_namespaced_deployment,
        NAMESPACE,
        resource_version=since,
        timeout_seconds=10,
    ):
        replicas = event["raw_object"]["spec"]["replicas"]
        ready = (event["raw_object"].get("status") or {}).get("readyReplicas", 0)
        seen.append((event["type"], replicas))
        if replicas == 3 and ready == 3:
            stream.stop()  # type: ignore[no-untyped-call]
    # only changes after `since` (no ADDED replayed), the scale among them
    assert {change for change, _ in seen} == {"MODIFIED"}
    assert ("MODIFIED", 3) in seen


def test_a_selector_cannot_change(apps: client.AppsV1Api, kube: KubeStandIn) -> None:
    body: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "front"}},
                "spec": {"containers": [{"name": "web", "image": "web:1"}]},
            },
        },
    }
    apps.create_namespaced_deployment(NAMESPACE, deployment(body))
    with pytest.raises(ApiException) as refused:
        apps.patch_namespaced_deployment(
            "web", NAMESPACE, {"spec": {"selector": {"matchLabels": {"tier": "front"}}}}
        )
    assert refused.value.status == 422
    assert "field is immutable" in body_of(refused.value)
