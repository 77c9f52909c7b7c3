"""Hostile input through the Chalice app on moto: every body route, document upload and paged
route answers 400 naming the limit, never 500 (tests/integration/test_body_rules.py has the
requests that succeed: unknown fields, and what the strict reader lets through)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest
from chalice.test import Client

from app import app
from chalicelib.adapters.sli_prometheus import PrometheusSliProvider
from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.domain.bounded_yaml import MAX_DEPTH as YAML_DEPTH
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.domain.strict_json import MAX_DEPTH as JSON_DEPTH
from chalicelib.domain.strict_json import MAX_INT_DIGITS
from chalicelib.entrypoints.http_routing import CATCH_ALL
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from tests.integration.api_helpers import SHIPYARD, Api, b64
from tests.integration.conftest import STAGE, emulated_stack

SERVICE = "/v1/project/shop/stage/dev/service/cart"

# Every route that reads a request body: (method, path, the view that serves it).
BODY_ROUTES = [
    ("POST", "/v1/event", "post_event"),
    ("POST", "/v1/project", "create_project"),
    ("PUT", "/v1/project", "update_project"),
    ("POST", "/v1/project/shop/service", "create_service"),
    ("POST", f"{SERVICE}/resource", "write_resources"),
    ("PUT", f"{SERVICE}/resource", "write_resources"),
    ("PUT", f"{SERVICE}/resource/slo.yaml", "put_resource"),
    ("POST", "/v1/secret", "create_secret"),
    ("PUT", "/v1/secret", "update_secret"),
    ("POST", "/v1/sequence/shop/some-context/control", "control_sequence"),
    ("POST", "/v1/project/shop/stage/prod/approval/some-id", "decide_approval"),
    ("POST", f"{SERVICE}/evaluation", "trigger_evaluation"),
    ("PUT", "/v1/project/shop/monitoring", "configure_monitoring"),
    ("POST", "/v1/token", "create_token"),
    ("POST", "/v1/project/shop/webhook", "register_webhook"),
    ("PUT", "/v1/project/shop/uniform", "apply_uniform"),
    ("PATCH", "/v1/project/shop/uniform", "edit_uniform"),
    ("POST", "/v1/uniform/registration", "register"),
    ("POST", "/v1/uniform/registration/some-id/subscription", "create_subscription"),
    ("PUT", "/v1/uniform/registration/some-id/subscription/some-sub", "update_subscription"),
    ("POST", "/v1/log", "add_logs"),
]
# POST /v1/auth takes no body: the token is the whole request. A heartbeat is its path alone;
# an approval link's confirmation is a form button without fields (the link is the credential).
BODYLESS_WRITES = {("POST", "auth"), ("PUT", "ping"), ("POST", "confirm_approval_link")}

PAGED_ROUTES = [
    ("/v1/event?project=shop&pageSize=", "pageSize"),
    ("/api/mongodb-datastore/event?project=shop&pageSize=", "pageSize"),
    ("/v1/event/type/sh.keptn.event.evaluation.finished?filter=data.project:shop&limit=", "limit"),
    ("/v1/sequence/shop?pageSize=", "pageSize"),
    ("/api/controlPlane/v1/sequence/shop?pageSize=", "pageSize"),
    (f"{SERVICE}/evaluation?limit=", "limit"),
    # These answer every item in one page, and still read Keptn's pageSize strictly.
    ("/v1/project?pageSize=", "pageSize"),
    ("/api/controlPlane/v1/project/shop/stage?pageSize=", "pageSize"),
    ("/v1/project/shop/stage/dev/service?pageSize=", "pageSize"),
    (f"{SERVICE}/resource?pageSize=", "pageSize"),
    ("/v1/event/triggered/sh.keptn.event.approval.triggered?project=shop&pageSize=", "pageSize"),
]


def nested_json(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def nested_yaml(depth: int) -> str:
    return "{a: " * depth + "1" + "}" * depth


@pytest.fixture(scope="module")
def shop() -> Iterator[Api]:
    """One stack and one project `shop` for the whole module: every request here is refused
    before it writes anything, so the tests cannot disturb one another."""
    with emulated_stack():
        container = build_aws_container(Settings(stage=STAGE))
        use_container(container)
        try:
            with Client(app) as client:
                api = Api(client, issue_token(container.tokens, "alice"))
                api.create_shop()
                yield api
        finally:
            use_container(None)


def refused(api: Api, method: str, path: str, raw: bytes) -> str:
    status, answer = api.call(method, path, raw=raw)
    assert status == 400, (status, answer)
    assert answer["code"] == 400
    return str(answer["message"])


# -- the route list is complete --------------------------------------------------------------


def test_every_route_that_reads_a_body_is_in_the_hostile_input_tests() -> None:
    writes = {
        (method, entry.view_name)
        for template, methods in app.routes.items()
        # The catch-all routes read nothing: they answer 404 for paths no route serves.
        if template not in CATCH_ALL
        for method, entry in methods.items()
        if method in ("POST", "PUT", "PATCH")
    }
    covered = {(method, view) for method, _, view in BODY_ROUTES}
    assert writes - BODYLESS_WRITES == covered
    for method, path, view in BODY_ROUTES:
        served_by = {
            entry.view_name
            for template, methods in app.routes.items()
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
            for name, entry in methods.items()
            if name == method
        }
        assert served_by == {view}, path


# -- JSON bodies: nesting, integer digits, NaN/Infinity, lone surrogates ---------------------


@pytest.mark.parametrize(("method", "path", "view"), BODY_ROUTES)
@pytest.mark.parametrize("depth", [JSON_DEPTH + 1, 1_000, 100_000])
def test_a_body_nested_too_deep_is_a_400_naming_the_limit(
    shop: Api, method: str, path: str, view: str, depth: int
) -> None:
    message = refused(shop, method, path, nested_json(depth))
    assert message == (
        f"the request body nests arrays and objects more than {JSON_DEPTH} levels deep "
        f"(the limit is {JSON_DEPTH}); send flatter JSON"
    )


@pytest.mark.parametrize(("method", "path", "view"), BODY_ROUTES)
@pytest.mark.parametrize("digits", [MAX_INT_DIGITS + 1, 4_301, 50_000])
def test_an_integer_of_too_many_digits_is_a_400_naming_the_limit(
    shop: Api, method: str, path: str, view: str, digits: int
) -> None:
    message = refused(shop, method, path, b'{"n": ' + b"7" * digits + b"}")
    assert message == (
        f"the request body holds an integer of {digits} digits; integers are limited to "
        f"{MAX_INT_DIGITS} digits"
    )


@pytest.mark.parametrize(("method", "path", "view"), BODY_ROUTES)
def test_nan_infinity_and_lone_surrogates_are_a_400_on_every_body_route(
    shop: Api, method: str, path: str, view: str
) -> None:
    assert "NaN is not a JSON value" in refused(shop, method, path, b'{"n": NaN}')
    assert "Infinity is not a JSON value" in refused(shop, method, path, b'{"n": -Infinity}')
    assert "unpaired surrogate escape" in refused(shop, method, path, b'{"n": "\\ud800"}')


@pytest.mark.parametrize("path", ["/v1/event", "/api/v1/event"])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_in_an_event_is_refused_not_stored_as_null(
    shop: Api, path: str, literal: str
) -> None:
    body = {
        "source": "ci",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "data": {"project": "shop", "stage": "dev", "service": "cart", "score": 0.0},
    }
    raw = json.dumps(body).replace("0.0", literal).encode()
    message = refused(shop, "POST", path, raw)
    assert message.startswith(f"the request body is not valid JSON: {literal} is not a JSON value")
    status, page = shop.call("GET", "/v1/event?project=shop")
    assert status == 200
    assert all("score" not in stored["data"] for stored in page["events"])


def test_binary_mode_event_data_goes_through_the_strict_reader(shop: Api) -> None:
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "b-1",
        "ce-source": "tool",
        "ce-type": "sh.keptn.event.deployment.started",
        "ce-triggeredid": "t-1",
    }
    for raw, fragment in [
        (b'{"project": "shop", "value": NaN}', "NaN is not a JSON value"),
        (nested_json(1_000), "more than 100 levels deep"),
        (b'{"project": "shop", "n": ' + b"1" * 4_301 + b"}", "4301 digits"),
    ]:
        status, answer = shop.call("POST", "/v1/event", raw=raw, headers=headers)
        assert (status, fragment in answer["message"]) == (400, True), answer


# -- YAML documents: resources and shipyards --------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        nested_yaml(5_000),
        "[" * 5_000 + "]" * 5_000,
        "\n".join(["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 5_000)]),
    ],
    ids=["flow-mappings", "flow-sequences", "alias-chain"],
)
@pytest.mark.parametrize("uri", ["slo.yaml", "sli.yaml", "remediation.yaml", "webhook.yaml"])
def test_a_resource_nested_5000_deep_is_a_400(shop: Api, document: str, uri: str) -> None:
    upload = {"resources": [{"resourceURI": uri, "resourceContent": b64(document)}]}
    status, answer = shop.call("POST", f"{SERVICE}/resource", upload)
    assert status == 400, answer
    assert answer["message"].startswith(f"{uri}: ")
    assert f"more than {YAML_DEPTH} levels deep" in answer["message"]
    status, one = shop.call("PUT", f"{SERVICE}/resource/{uri}", {"resourceContent": b64(document)})
    assert status == 400, one
    assert shop.call("GET", f"{SERVICE}/resource/{uri}")[0] == 404


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_shipyard_nested_5000_deep_is_a_400(shop: Api, method: str) -> None:
    name = "deep" if method == "POST" else "shop"
    body = {"name": name, "shipyard": b64(nested_yaml(5_000))}
    status, answer = shop.call(method, "/v1/project", body)
    assert status == 400, answer
    assert answer["message"] == (
        f"shipyard.yaml: document (line 1): the document nests mappings and sequences more "
        f"than {YAML_DEPTH} levels deep (aliases and merge keys included; the limit is "
        f"{YAML_DEPTH})"
    )
    assert shop.call("GET", "/v1/project/shop")[1]["shipyard"] == SHIPYARD


def test_a_lone_surrogate_in_a_shipyard_is_a_400(shop: Api) -> None:
    shipyard = SHIPYARD.replace("name: shipyard-shop", 'name: "shop\\ud800"')
    status, answer = shop.call("POST", "/v1/project", {"name": "odd", "shipyard": b64(shipyard)})
    assert status == 400
    assert "surrogate" in answer["message"]


# -- query parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "name"), PAGED_ROUTES)
@pytest.mark.parametrize(
    "raw",
    # Longer values are refused for their length first (test_http_hostile_input.py).
    ["+5", "1_0", "\uff15", "\u0665", "\u06f5", "-1", " 5", "0x5", "5.0", "9" * 1_000],
    ids=[
        "plus",
        "underscore",
        "fullwidth",
        "arabic-indic",
        "persian",
        "minus",
        "space",
        "hex",
        "decimal",
        "1000-digits",
    ],
)
def test_a_page_size_that_is_not_plain_ascii_digits_is_a_400(
    shop: Api, prefix: str, name: str, raw: str
) -> None:
    status, answer = shop.call("GET", prefix + quote(raw, safe=""))
    assert status == 400, answer
    assert answer["message"].startswith(f"query parameter '{name}' must be a whole number")


@pytest.mark.parametrize(("prefix", "name"), PAGED_ROUTES)
def test_plain_digits_still_page(shop: Api, prefix: str, name: str) -> None:
    assert shop.call("GET", prefix + "5")[0] == 200
    assert shop.call("GET", prefix + "05")[0] == 200


@pytest.mark.parametrize(
    "key",
    [
        # Keys fit the 1,024-byte parameter limit once encoded; longer ones are refused for it.
        nested_json(JSON_DEPTH + 1),
        b'{"pk": "P#shop", "ts": 1, "h": "x"}',
        b'{"pk": {"S": "P#shop"}, "ts": "t", "h": "x"}',
        b'{"pk": "a", "ts": "b", "h": NaN}',
        b'{"pk": "a", "pk": "b", "ts": "c", "h": "d"}',
        b"[" + b"1" * (MAX_INT_DIGITS + 600) + b"]",
    ],
)
def test_a_forged_next_page_key_is_a_400(shop: Api, key: bytes) -> None:
    token = base64.urlsafe_b64encode(key).decode()
    status, answer = shop.call("GET", f"/v1/event?project=shop&nextPageKey={token}")
    assert status == 400, answer
    assert "nextPageKey is not a key this API returned" in answer["message"]


# -- event handling: what tools answer ---------------------------------------------------------


def test_a_prometheus_answer_nested_too_deep_fails_the_sli_instead_of_the_handler() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=nested_json(5_000))

    client = httpx.Client(transport=httpx.MockTransport(answer))
    provider = PrometheusSliProvider("http://prometheus.test", client=client)
    end = datetime(2024, 1, 1, 10, 10, tzinfo=UTC)
    request = SliRequest(
        project="shop",
        stage="dev",
        service="cart",
        start=end - timedelta(minutes=10),
        end=end,
        indicators=["up"],
    )

    [value] = provider.get_sli_values(request, {"up": "max(up)"})

    assert value.success is False
    assert value.message.startswith("Prometheus answered HTTP 200 to the query for up: ")
