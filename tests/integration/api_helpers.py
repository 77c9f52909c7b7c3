"""Helpers for driving the Chalice app over HTTP in tests."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalice.test import Client

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: evaluation
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: approval
            - name: deployment
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Api:
    """Sends JSON with the token; returns (status, body)."""

    def __init__(self, client: Client, token: str) -> None:
        self.client = client
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        sent = {"x-token": self.token, "content-type": "application/json", **(headers or {})}
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=payload)
        parsed = json.loads(response.body) if response.body else None
        return response.status_code, parsed

    def create_shop(self) -> None:
        status, _ = self.call("POST", "/v1/project", {"name": "shop", "shipyard": b64(SHIPYARD)})
        assert status == 201
        status, _ = self.call("POST", "/v1/project/shop/service", {"serviceName": "cart"})
        assert status == 200
