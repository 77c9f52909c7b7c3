"""The HTTP API on moto: auth, projects, services, resources and events, canonical and alias."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import issue_token
from tests.integration.api_helpers import SHIPYARD, Api, b64
from tests.integration.conftest import deliver_all


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    token = issue_token(aws_container.tokens, "alice")
    with Client(app) as client:
        yield Api(client, token)


def trigger(**data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "source": "ci",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "data": {"project": "shop", "stage": "dev", "service": "cart", **data},
    }


def test_tokens_401_403_200_and_health_is_public(api: Api) -> None:
    assert api.client.http.get("/v1/health").status_code == 200
    assert api.client.http.post("/v1/auth").status_code == 401
    assert api.client.http.post("/v1/auth", headers={"x-token": "nope"}).status_code == 403
    status, body = api.call("POST", "/v1/auth")
    assert (status, body["identity"]) == (200, "alice")
    assert api.call("POST", "/api/v1/auth")[0] == 200


def test_project_lifecycle_with_keptn_bodies(api: Api) -> None:
    api.create_shop()
    status, project = api.call("GET", "/v1/project/shop")
    assert status == 200
    assert project["projectName"] == "shop"
    assert project["shipyard"] == SHIPYARD
    assert [s["stageName"] for s in project["stages"]] == ["dev", "prod"]
    assert project["stages"][1]["parentStages"] == ["dev"]
    assert project["stages"][0]["services"][0]["serviceName"] == "cart"
    # Keptn's own path answers the same.
    assert api.call("GET", "/api/controlPlane/v1/project/shop")[1] == project
    assert api.call("GET", "/v1/project")[1]["projects"][0]["projectName"] == "shop"
    status, stage = api.call("GET", "/api/controlPlane/v1/project/shop/stage/prod")
    assert (status, stage["stageName"]) == (200, "prod")
    status, service = api.call("GET", "/v1/project/shop/stage/dev/service/cart")
    assert (status, service["serviceName"]) == (200, "cart")
    assert api.call("DELETE", "/v1/project/shop/service/cart")[0] == 200
    assert api.call("GET", "/v1/project/shop/stage/dev/service/cart")[0] == 404
    assert api.call("DELETE", "/api/controlPlane/v1/project/shop")[0] == 200
    assert api.call("GET", "/v1/project/shop")[0] == 404


def test_project_refusals_name_the_problem(api: Api) -> None:
    api.create_shop()
    cases = [
        ({"name": "shop", "shipyard": b64(SHIPYARD)}, 409, "already exists"),
        ({"name": "Shop", "shipyard": b64(SHIPYARD)}, 400, "must start with a lowercase letter"),
        ({"name": "x"}, 400, "field 'shipyard' is required"),
        ({"name": "x", "shipyard": "%%%"}, 400, "base64"),
        (
            {"name": "x", "shipyard": b64(SHIPYARD.replace("name: prod", "name: Prod"))},
            400,
            "shipyard.yaml: spec.stages[1].name 'Prod' (line ",
        ),
    ]
    for body, status, fragment in cases:
        answer = api.call("POST", "/v1/project", body)
        assert answer[0] == status, (body, answer)
        assert fragment in answer[1]["message"]


def test_stages_cannot_change_after_creation(api: Api) -> None:
    api.create_shop()
    three = SHIPYARD + "    - name: hardening\n      sequences: []\n"
    status, body = api.call("PUT", "/v1/project", {"name": "shop", "shipyard": b64(three)})
    assert status == 409
    assert "stages cannot be added, removed or reordered" in body["message"]
    edited = SHIPYARD.replace("- name: evaluation", "- name: test")
    assert api.call("PUT", "/v1/project", {"name": "shop", "shipyard": b64(edited)})[0] == 201
    assert api.call("GET", "/v1/project/shop")[1]["shipyard"] == edited


def test_resources_are_versioned_validated_and_served_on_keptn_paths(api: Api) -> None:
    api.create_shop()
    base = "/v1/project/shop/stage/dev/service/cart/resource"
    slo_v1 = (
        "objectives:\n  - sli: rt\n    pass:\n      - criteria: ['<600']\n"
        "total_score:\n  pass: '90%'\n"
    )
    status, first = api.call(
        "POST", base, {"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(slo_v1)}]}
    )
    assert status == 200
    slo_v2 = slo_v1.replace("<600", "<500")
    second = api.call("PUT", f"{base}/slo.yaml", {"resourceContent": b64(slo_v2)})[1]
    assert second["commitID"] > first["commitID"]
    status, now = api.call("GET", f"/api/resource-service{base}/slo.yaml")
    assert base64.b64decode(now["resourceContent"]).decode() == slo_v2
    old = api.call("GET", f"{base}/slo.yaml?gitCommitID={first['commitID']}")[1]
    assert base64.b64decode(old["resourceContent"]).decode() == slo_v1
    nested = api.call(
        "POST",
        base,
        {
            "resources": [
                {
                    "resourceURI": "prometheus/sli.yaml",
                    "resourceContent": b64("spec_version: '1.0'\nindicators:\n  rt: q\n"),
                }
            ]
        },
    )
    assert nested[0] == 200
    assert api.call("GET", f"{base}/prometheus%2Fsli.yaml")[0] == 200
    listed = api.call("GET", base)[1]["resources"]
    assert sorted(r["resourceURI"] for r in listed) == ["prometheus/sli.yaml", "slo.yaml"]
    assert api.call("DELETE", f"{base}/slo.yaml")[0] == 200
    assert api.call("GET", f"{base}/slo.yaml")[0] == 404


def test_resource_refusals(api: Api) -> None:
    api.create_shop()
    bad_slo = b64("objectives:\n  - sli: rt\n    weight: heavy\ntotal_score:\n  pass: '90%'\n")
    cases = [
        ("/v1/project/shop/stage/qa/resource", 404, "stage 'qa' is not in the shipyard"),
        ("/v1/project/shop/stage/dev/service/ghost/resource", 404, "service 'ghost'"),
        ("/v1/project/ghost/resource", 404, "project 'ghost'"),
    ]
    body = {"resources": [{"resourceURI": "a.txt", "resourceContent": b64("a")}]}
    for path, status, fragment in cases:
        answer = api.call("POST", path, body)
        assert (answer[0], fragment in answer[1]["message"]) == (status, True), answer
    invalid = api.call(
        "POST",
        "/v1/project/shop/stage/dev/resource",
        {"resources": [{"resourceURI": "slo.yaml", "resourceContent": bad_slo}]},
    )
    assert invalid[0] == 400
    assert "slo.yaml: objectives[0].weight" in invalid[1]["message"]
    assert api.call("GET", "/v1/project/shop/stage/dev/resource")[1]["resources"] == []


def test_events_flow_from_intake_through_the_bus_to_the_store(api: Api) -> None:
    api.create_shop()
    status, answer = api.call("POST", "/v1/event", trigger())
    assert status == 200
    context = answer["keptnContext"]
    binary = {
        "ce-specversion": "1.0",
        "ce-id": "bin-1",
        "ce-source": "tool",
        "ce-type": "sh.keptn.event.deployment.started",
        "ce-triggeredid": "t-1",
        "ce-shkeptncontext": context,
    }
    status, _ = api.call(
        "POST",
        "/api/v1/event",
        {"project": "shop", "stage": "dev", "service": "cart"},
        headers=binary,
    )
    assert status == 200
    deliver_all()
    status, page = api.call("GET", f"/v1/event?keptnContext={context}")
    assert status == 200
    # The trigger also starts the shop's delivery; what was sent is stored either way.
    sent = {e["type"]: e for e in page["events"] if e["source"] in ("ci", "tool")}
    assert set(sent) == {
        "sh.keptn.event.deployment.started",
        "sh.keptn.event.dev.delivery.triggered",
    }
    assert sent["sh.keptn.event.deployment.started"]["id"] == "bin-1"
    alias = api.call("GET", f"/api/mongodb-datastore/event?keptnContext={context}")[1]
    assert {e["id"] for e in alias["events"]} >= {e["id"] for e in sent.values()}
    by_type = api.call(
        "GET", "/v1/event/type/sh.keptn.event.deployment.started?filter=data.project:shop"
    )[1]
    assert [e["id"] for e in by_type["events"]] == ["bin-1"]


def test_a_retried_event_is_stored_once(api: Api) -> None:
    api.create_shop()
    first = api.call("POST", "/v1/event", {**trigger(), "id": "retry-1"})[1]
    second = api.call("POST", "/v1/event", {**trigger(), "id": "retry-1"})[1]
    assert first == second
    deliver_all()
    events = api.call("GET", f"/v1/event?keptnContext={first['keptnContext']}")[1]["events"]
    # The trigger starts one run (whose first task may be stored too); the trigger itself, once.
    assert [e["id"] for e in events].count("retry-1") == 1


def test_invalidated_evaluations_are_excluded_on_request(api: Api) -> None:
    api.create_shop()
    scope = {"project": "shop", "stage": "dev", "service": "cart"}
    for n, result in enumerate(("pass", "fail", "warning")):
        api.call(
            "POST",
            "/v1/event",
            {
                "source": "lighthouse-service",
                "type": "sh.keptn.event.evaluation.finished",
                "id": f"ev{n}",
                "triggeredid": f"trig{n}",
                "data": {**scope, "result": result, "status": "succeeded"},
            },
        )
    api.call(
        "POST",
        "/v1/event",
        {
            "source": "bridge",
            "type": "sh.keptn.event.evaluation.invalidated",
            "triggeredid": "trig0",
            "data": scope,
        },
    )
    deliver_all()
    path = (
        "/v1/event/type/evaluation.finished"
        "?filter=data.project:shop%20AND%20data.result:pass,warning"
    )
    assert [e["id"] for e in api.call("GET", path)[1]["events"]] == ["ev2", "ev0"]
    excluded = api.call("GET", path + "&excludeInvalidated=true")[1]["events"]
    assert [e["id"] for e in excluded] == ["ev2"]


def test_root_events_are_the_events_that_start_a_context(api: Api) -> None:
    """The Bridge's `root=true`: one event per keptn context, the one that started it; the
    tasks the sequencer triggered in that context are not root events."""
    api.create_shop()
    first = api.call("POST", "/v1/event", {**trigger(), "id": "start-1"})[1]
    second = api.call("POST", "/v1/event", {**trigger(), "id": "start-2"})[1]
    context = first["keptnContext"]

    def types() -> set[str]:
        deliver_all()  # the state machine sends its first task on a thread of its own
        return {
            e["type"] for e in api.call("GET", f"/v1/event?keptnContext={context}")[1]["events"]
        }

    deadline = time.monotonic() + 20
    while "sh.keptn.event.deployment.triggered" not in types():
        assert time.monotonic() < deadline, "the first task was never sent"
        time.sleep(0.05)
    status, roots = api.call("GET", "/api/mongodb-datastore/event?project=shop&root=true")
    assert status == 200
    assert [(e["id"], e["shkeptncontext"]) for e in roots["events"]] == [
        ("start-2", second["keptnContext"]),
        ("start-1", context),
    ]
    one = api.call("GET", f"/v1/event?keptnContext={context}&root=true")[1]["events"]
    assert [e["id"] for e in one] == ["start-1"]
    assert api.call("GET", "/v1/event?project=shop&root=false")[1]["events"] != roots["events"]
    refused = api.call("GET", "/v1/event?eventID=start-1&root=true")
    assert refused[0] == 400
    assert "root=true needs project or keptnContext" in refused[1]["message"]


@pytest.mark.parametrize(
    ("method", "path", "raw", "status"),
    [
        ("POST", "/v1/event", b"{broken", 400),
        ("POST", "/v1/event", b'{"type": "sh.keptn.event.dev.delivery.triggered"}', 400),
        (
            "POST",
            "/v1/event",
            b'{"type": "sh.keptn.event.x.y.z.w", "source": "s", "data": {}}',
            400,
        ),
        ("POST", "/v1/project", b"[]", 400),
        ("POST", "/v1/project/shop/service", b'{"serviceName": "Bad.Name"}', 400),
        ("GET", "/v1/event", b"", 400),
        ("GET", "/v1/event?project=shop&pageSize=500", b"", 400),
        ("GET", "/v1/event?project=shop&nextPageKey=zzz", b"", 400),
        ("GET", "/v1/event/type/evaluation.finished?filter=bogus", b"", 400),
        ("GET", "/v1/event?project=shop&fromTime=yesterday", b"", 400),
        ("GET", "/v1/event?project=shop&root=maybe", b"", 400),
        ("GET", "/v1/project/ghost/stage", b"", 404),
        ("POST", "/v1/project/shop/stage/dev/approval/t-1", b'{"decision": []}', 400),
        ("POST", "/v1/project/shop/stage/dev/approval/t-1", b'{"decision": {}}', 400),
    ],
)
def test_bad_input_is_a_4xx_with_a_message_never_a_500(
    api: Api, method: str, path: str, raw: bytes, status: int
) -> None:
    api.create_shop()
    answer = api.call(method, path, raw=raw or None)
    assert answer[0] == status, answer
    assert answer[1]["message"]


def test_secrets_on_keptn_paths_never_show_values(api: Api) -> None:
    body = {"name": "slack", "scope": "keptn-webhook-service", "data": {"token": "s3cr3t"}}
    status, created = api.call("POST", "/api/secrets/v1/secret", body)
    assert status == 201
    assert "s3cr3t" not in str(created)
    assert api.call("POST", "/v1/secret", body)[0] == 409
    listed = api.call("GET", "/api/secrets/v1/secret")[1]
    assert listed == {
        "Secrets": [{"name": "slack", "scope": "keptn-webhook-service", "keys": ["token"]}]
    }
    assert "keptn-webhook-service" in api.call("GET", "/api/secrets/v1/scope")[1]["scopes"]
    bad = api.call("POST", "/v1/secret", {"name": "Bad Name", "data": {"k": "v"}})
    assert bad[0] == 400
    assert "name 'Bad Name' must be lowercase" in bad[1]["message"]
    assert api.call("DELETE", "/v1/secret?name=slack&scope=keptn-webhook-service")[0] == 200
    assert api.call("DELETE", "/v1/secret?name=slack&scope=keptn-webhook-service")[0] == 404
