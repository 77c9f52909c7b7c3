"""Keptn's integration API on moto, with Keptn's bodies at Keptn's paths: registration, ping,
subscriptions, unregistering, and the error log with its paging."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import issue_token
from tests.integration.api_helpers import SHIPYARD, Api, b64

KEPTN = "/api/controlPlane/v1"


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    token = issue_token(aws_container.tokens, "alice")
    with Client(app) as client:
        yield Api(client, token)


def registration(name: str = "job-executor-service", **subscription: Any) -> dict[str, Any]:
    """What Keptn's distributor sends when it registers (go-utils models.Integration)."""
    return {
        "name": name,
        "metadata": {
            "hostname": "node-7",
            "integrationversion": "0.3.0",
            "distributorversion": "1.4.5",
            "location": "remote-execution-plane",
            "kubernetesmetadata": {
                "namespace": "keptn-jobs",
                "podname": f"{name}-5f7d",
                "deploymentname": name,
            },
        },
        "subscriptions": [
            {
                "event": "sh.keptn.event.test.triggered",
                "filter": {"projects": ["shop"], "stages": [], "services": []},
                **subscription,
            }
        ],
    }


def test_register_answers_keptns_id_and_a_second_registration_keeps_it(api: Api) -> None:
    status, created = api.call("POST", f"{KEPTN}/uniform/registration", registration())
    assert status == 201
    expected = hashlib.sha1(b"job-executor-service-keptn-jobs-node-7").hexdigest()
    assert created == {"id": expected}

    again = registration()
    again["metadata"]["integrationversion"] = "0.3.1"
    again["subscriptions"] = []  # a re-registration keeps the subscriptions it has
    status, same = api.call("POST", f"{KEPTN}/uniform/registration", again)
    assert (status, same) == (200, {"id": expected})

    status, listed = api.call("GET", f"{KEPTN}/uniform/registration")
    assert status == 200
    (integration,) = listed
    assert integration["id"] == expected
    assert integration["metadata"]["integrationversion"] == "0.3.1"
    assert integration["metadata"]["lastseen"].endswith("Z")
    (subscription,) = integration["subscriptions"]
    assert subscription["event"] == "sh.keptn.event.test.triggered"
    assert len(subscription["id"]) == 36
    # Keptn's deprecated single `subscription`, for old clients.
    assert integration["subscription"]["topics"] == ["sh.keptn.event.test.triggered"]
    assert integration["subscription"]["filter"]["project"] == "shop"


def test_incomplete_registrations_are_refused_naming_what_is_missing(api: Api) -> None:
    body = registration()
    body["metadata"]["hostname"] = ""
    status, error = api.call("POST", "/v1/uniform/registration", body)
    assert status == 400
    assert "metadata.hostname must be set" in error["message"]

    body = registration()
    body["subscriptions"][0]["filter"] = {"services": ["cart"]}
    status, error = api.call("POST", "/v1/uniform/registration", body)
    assert status == 400
    assert "at least one stage must be specified" in error["message"]

    status, error = api.call("POST", "/v1/uniform/registration", {"name": 7})
    assert status == 400
    assert "field 'name'" in error["message"]


def test_ping_renews_last_seen_and_answers_the_current_subscriptions(api: Api) -> None:
    integration = api.call("POST", f"{KEPTN}/uniform/registration", registration())[1]["id"]
    before = api.call("GET", f"{KEPTN}/uniform/registration?id={integration}")[1][0]

    status, created = api.call(
        "POST",
        f"{KEPTN}/uniform/registration/{integration}/subscription",
        {"event": "sh.keptn.event.deployment.triggered", "filter": {"stages": ["dev"]}},
    )
    assert status == 201
    status, pinged = api.call("PUT", f"{KEPTN}/uniform/registration/{integration}/ping")

    assert status == 200
    assert pinged["metadata"]["lastseen"] >= before["metadata"]["lastseen"]
    assert [s["event"] for s in pinged["subscriptions"]] == [
        "sh.keptn.event.test.triggered",
        "sh.keptn.event.deployment.triggered",
    ]
    assert created["id"] in {s["id"] for s in pinged["subscriptions"]}
    status, missing = api.call("PUT", f"{KEPTN}/uniform/registration/nope/ping")
    assert status == 404
    assert "integration nope is not registered" in missing["message"]


def test_subscriptions_create_read_update_delete(api: Api) -> None:
    integration = api.call("POST", f"{KEPTN}/uniform/registration", registration())[1]["id"]
    base = f"{KEPTN}/uniform/registration/{integration}/subscription"
    (first,) = api.call("GET", base)[1]

    status, updated = api.call(
        "PUT", f"{base}/{first['id']}", {"event": "sh.keptn.event.test.triggered", "filter": {}}
    )
    assert (status, updated) == (201, {"id": first["id"]})
    status, read = api.call("GET", f"{base}/{first['id']}")
    assert status == 200
    assert read["filter"] == {"projects": [], "stages": [], "services": []}

    status, made = api.call("PUT", f"{base}/chosen-id", {"event": "sh.keptn.event.release.>"})
    assert (status, made) == (201, {"id": "chosen-id"})
    assert len(api.call("GET", base)[1]) == 2

    assert api.call("DELETE", f"{base}/chosen-id") == (200, {})
    assert [s["id"] for s in api.call("GET", base)[1]] == [first["id"]]
    assert api.call("GET", f"{base}/chosen-id")[0] == 404
    status, error = api.call("POST", base, {"filter": {}})
    assert status == 400
    assert "the event must be specified" in error["message"]


def test_listing_filters_by_name_and_scope(api: Api) -> None:
    api.call("POST", "/v1/uniform/registration", registration())
    api.call(
        "POST",
        "/v1/uniform/registration",
        registration("helm-service", filter={"projects": ["other"], "stages": ["prod"]}),
    )

    def names(query: str) -> list[str]:
        return sorted(i["name"] for i in api.call("GET", f"/v1/uniform/registration?{query}")[1])

    assert names("") == ["helm-service", "job-executor-service"]
    assert names("name=helm-service") == ["helm-service"]
    assert names("project=shop") == ["job-executor-service"]
    assert names("project=other&stage=prod") == ["helm-service"]
    assert names("project=other&stage=dev") == []


def test_unregister_removes_it(api: Api) -> None:
    integration = api.call("POST", "/v1/uniform/registration", registration())[1]["id"]

    assert api.call("DELETE", f"/v1/uniform/registration/{integration}") == (200, {})
    assert api.call("GET", "/v1/uniform/registration")[1] == []
    assert api.call("DELETE", f"/v1/uniform/registration/{integration}")[0] == 200


def test_the_error_log_pages_newest_first_and_deletes_by_filter(api: Api) -> None:
    entries = [
        {
            "integrationid": "jes" if n % 2 else "helm",
            "message": f"error {n}",
            "task": "test",
            "shkeptncontext": "ctx",
            "triggeredid": f"t-{n}",
            "time": f"2026-05-01T12:00:{n:02d}.000Z",
        }
        for n in range(7)
    ]
    assert api.call("POST", f"{KEPTN}/log", {"logs": entries}) == (200, {})

    status, page = api.call("GET", f"{KEPTN}/log?integrationId=jes&pageSize=2")
    assert status == 200
    assert [e["message"] for e in page["logs"]] == ["error 5", "error 3"]
    assert (page["pageSize"], page["totalCount"], page["nextPageKey"]) == (2, 3, 2)
    last = api.call("GET", f"{KEPTN}/log?integrationId=jes&pageSize=2&nextPageKey=2")[1]
    assert ([e["message"] for e in last["logs"]], last["nextPageKey"]) == (["error 1"], 0)

    every = api.call("GET", "/v1/log?pageSize=100")[1]
    assert every["totalCount"] == 7
    assert every["logs"][0]["message"] == "error 6"
    window = api.call(
        "GET",
        "/v1/log?fromTime=2026-05-01T12:00:02.000Z&beforeTime=2026-05-01T12:00:05.000Z",
    )[1]
    assert [e["message"] for e in window["logs"]] == ["error 4", "error 3", "error 2"]

    assert api.call("DELETE", f"{KEPTN}/log?integrationId=helm") == (200, {})
    assert api.call("GET", "/v1/log")[1]["totalCount"] == 3
    assert api.call("GET", "/v1/log?integrationId=helm")[1]["totalCount"] == 0
    status, error = api.call("GET", "/v1/log?fromTime=yesterday")
    assert status == 400
    assert "fromTime" in error["message"]


def test_a_projects_uniform_lists_only_the_integrations_that_serve_it(api: Api) -> None:
    for project in ("shop", "blog"):
        body = {"name": project, "shipyard": b64(SHIPYARD)}
        assert api.call("POST", "/v1/project", body)[0] == 201
    api.call("POST", f"{KEPTN}/uniform/registration", registration("shop-tester"))
    everywhere = registration("any-tester")
    everywhere["subscriptions"][0]["filter"]["projects"] = []
    api.call("POST", f"{KEPTN}/uniform/registration", everywhere)

    def owners(project: str) -> set[str]:
        status, shown = api.call("GET", f"/v1/project/{project}/uniform")
        assert status == 200, shown
        return {s["owner"] for s in shown["subscriptions"] if s["origin"] == "integration"}

    assert owners("shop") == {"shop-tester", "any-tester"}
    assert owners("blog") == {"any-tester"}
