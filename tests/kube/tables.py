"""`kubectl get`'s server-side printing (meta.k8s.io/v1 Table): the columns a real API server
gives Deployments and Pods, name and age for the other kinds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _age(meta: dict[str, Any]) -> str:
    created = datetime.strptime(meta["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    seconds = int((datetime.now(UTC) - created).total_seconds())
    return f"{seconds}s" if seconds < 120 else f"{seconds // 60}m"


def _deployment(obj: dict[str, Any]) -> list[Any]:
    status, wanted = obj.get("status") or {}, obj["spec"].get("replicas", 1)
    return [
        f"{status.get('readyReplicas', 0)}/{wanted}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
    ]


def _pod(obj: dict[str, Any]) -> list[Any]:
    status = obj.get("status") or {}
    containers = status.get("containerStatuses") or []
    ready = sum(1 for c in containers if c.get("ready"))
    reason = status.get("phase", "Pending")
    for container in containers:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
    restarts = sum(int(c.get("restartCount", 0)) for c in containers)
    total = len(obj["spec"].get("containers") or [])
    return [f"{ready}/{total}", reason, restarts]


COLUMNS = {
    "Deployment": (["Ready", "Up-to-date", "Available"], _deployment),
    "Pod": (["Ready", "Status", "Restarts"], _pod),
}


def table(kind: str, items: list[dict[str, Any]], version: int) -> dict[str, Any]:
    names, cells = COLUMNS.get(kind, ([], lambda obj: []))
    columns = [
        {"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0}
    ]
    columns += [
        {"name": n, "type": "string", "format": "", "description": "", "priority": 0} for n in names
    ]
    columns.append(
        {"name": "Age", "type": "string", "format": "", "description": "", "priority": 0}
    )
    rows = [
        {
            "cells": [item["metadata"]["name"], *cells(item), _age(item["metadata"])],
            "object": {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": item["metadata"],
            },
        }
        for item in items
    ]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": str(version)},
        "columnDefinitions": columns,
        "rows": rows,
    }
