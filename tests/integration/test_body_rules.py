"""The rules every request body follows, on moto through the Chalice app: unknown fields are
ignored (as Keptn's services ignore them), CloudEvent extensions are kept, and what the strict
JSON reader lets through is stored and read back intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import issue_token
from tests.integration.api_helpers import SHIPYARD, Api, b64
from tests.integration.conftest import deliver_all

SERVICE = "/v1/project/shop/stage/dev/service/cart"


def event(**data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "source": "ci",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "data": {"project": "shop", "stage": "dev", "service": "cart", **data},
    }


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    """A fresh stack per test: these requests succeed and write."""
    with Client(app) as client:
        yield Api(client, issue_token(aws_container.tokens, "alice"))


def test_an_event_with_a_lone_surrogate_cannot_poison_the_event_reads(api: Api) -> None:
    api.create_shop()
    raw = json.dumps(event(note="x")).replace('"x"', '"\\udfff"').encode()
    status, answer = api.call("POST", "/v1/event", raw=raw)
    assert (status, "unpaired surrogate escape" in answer["message"]) == (400, True)
    paired = json.dumps(event(note="\U0001f680"))  # json.dumps writes it as a surrogate pair
    status, sent = api.call("POST", "/v1/event", raw=paired.encode())
    assert status == 200
    deliver_all()
    status, page = api.call("GET", f"/v1/event?keptnContext={sent['keptnContext']}")
    assert status == 200
    assert any(stored["data"].get("note") == "\U0001f680" for stored in page["events"])


# -- unknown fields: ignored in every request body, as Keptn's services ignore them ---------


UNKNOWN = {"unknownField": "ignored", "insecureSkipTLS": True}


def test_unknown_fields_are_ignored_in_project_service_and_resource_bodies(api: Api) -> None:
    body = {"name": "shop", "shipyard": b64(SHIPYARD), "gitProxyUrl": "proxy:3128", **UNKNOWN}
    assert api.call("POST", "/v1/project", body)[0] == 201
    assert api.call("PUT", "/v1/project", body)[0] == 201
    assert (
        api.call("POST", "/v1/project/shop/service", {"serviceName": "cart", **UNKNOWN})[0] == 200
    )
    slo = b64("objectives:\n  - sli: rt\ntotal_score:\n  pass: '90%'\n")
    entry = {"resourceURI": "slo.yaml", "resourceContent": slo, "metadata": {"version": "x"}}
    for method in ("POST", "PUT"):
        status, _ = api.call(method, f"{SERVICE}/resource", {"resources": [entry], **UNKNOWN})
        assert status == 200
    status, _ = api.call("PUT", f"{SERVICE}/resource/slo.yaml", {"resourceContent": slo, **UNKNOWN})
    assert status == 200


def test_unknown_fields_are_ignored_in_secret_bodies(api: Api) -> None:
    body = {"name": "slack", "data": {"token": "t"}, **UNKNOWN}
    status, created = api.call("POST", "/v1/secret", body)
    assert (status, created) == (
        201,
        {"name": "slack", "scope": "keptn-default", "keys": ["token"]},
    )
    status, updated = api.call("PUT", "/v1/secret", {**body, "data": {"token": "u", "user": "v"}})
    assert (status, updated["keys"]) == (200, ["token", "user"])


def test_unknown_fields_are_ignored_in_evaluation_and_monitoring_bodies(api: Api) -> None:
    api.create_shop()
    status, started = api.call("POST", f"{SERVICE}/evaluation", {"timeframe": "5m", **UNKNOWN})
    assert status == 200, started
    assert started["keptnContext"]
    body = {"provider": "cloudwatch", **UNKNOWN}
    status, settings = api.call("PUT", "/v1/project/shop/monitoring", body)
    assert (status, settings) == (200, {"provider": "cloudwatch"})
    # Known fields are still checked: an unknown field is ignored, a wrong value is not.
    status, answer = api.call("POST", f"{SERVICE}/evaluation", {"timeframe": 5, **UNKNOWN})
    assert status == 400
    assert "timeframe" in answer["message"]


def test_unknown_fields_are_ignored_in_sequence_control_and_approval_bodies(api: Api) -> None:
    api.create_shop()
    status, sent = api.call("POST", "/v1/event", event())
    assert status == 200
    deliver_all()
    control = f"/v1/sequence/shop/{sent['keptnContext']}/control"
    status, answer = api.call("POST", control, {"state": "pause", **UNKNOWN})
    assert status == 200, answer
    approval = "/v1/project/shop/stage/prod/approval/no-such-id"
    with_extra = api.call("POST", approval, {"decision": "approve", **UNKNOWN})
    without = api.call("POST", approval, {"decision": "approve"})
    assert with_extra == without
    assert with_extra[0] == 404


def test_unknown_event_attributes_are_kept_as_cloudevent_extensions(api: Api) -> None:
    api.create_shop()
    status, sent = api.call("POST", "/v1/event", {**event(), "mytoolrun": "42"})
    assert status == 200
    deliver_all()
    page = api.call("GET", f"/v1/event?keptnContext={sent['keptnContext']}")[1]
    stored = [e for e in page["events"] if e["type"] == "sh.keptn.event.dev.delivery.triggered"]
    assert stored[0]["mytoolrun"] == "42"
