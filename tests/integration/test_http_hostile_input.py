"""Hostile input to the resource and secret APIs on moto: the project's shipyard cannot be
removed or replaced behind the project's back, look-alike URIs are refused, and secrets larger
than Secrets Manager holds are refused before any write."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.domain.secrets import MAX_SECRET_BYTES
from chalicelib.services.auth import issue_token
from tests.integration.api_helpers import SHIPYARD, Api, b64
from tests.integration.sequencing_harness import Harness

PROJECT = "/v1/project/shop/resource"
ALIAS = "/api/resource-service/v1/project/shop/resource"
SERVICE = "/v1/project/shop/stage/dev/service/cart/resource"


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    token = issue_token(aws_container.tokens, "alice")
    with Client(app) as client:
        built = Api(client, token)
        built.create_shop()
        yield built


def upload(api: Api, path: str, *files: tuple[str, str]) -> tuple[int, dict[str, object]]:
    entries = [{"resourceURI": uri, "resourceContent": b64(text)} for uri, text in files]
    return api.call("POST", path, {"resources": entries})


# -- the project's shipyard -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{PROJECT}/shipyard.yaml",
        f"{ALIAS}/shipyard.yaml",
        f"{PROJECT}/%2Fshipyard.yaml",  # the same file, spelled with a leading slash
    ],
)
def test_the_project_shipyard_cannot_be_deleted_through_the_resource_api(
    api: Api, path: str
) -> None:
    status, answer = api.call("DELETE", path)

    assert status == 409
    assert "shipyard.yaml is the shipyard of project 'shop'" in answer["message"]
    assert "changes only through PUT /v1/project" in answer["message"]
    status, kept = api.call("GET", f"{PROJECT}/shipyard.yaml")
    assert status == 200
    assert base64.b64decode(kept["resourceContent"]).decode() == SHIPYARD


def test_deliveries_still_run_after_a_refused_shipyard_delete(api: Api) -> None:
    assert api.call("DELETE", f"{PROJECT}/shipyard.yaml")[0] == 409

    flow = Harness(api)
    context = flow.trigger("dev", "delivery")

    assert flow.wait_task(context, "deployment")["data"]["stage"] == "dev"


def test_the_project_shipyard_cannot_be_written_through_the_resource_api(api: Api) -> None:
    edited = SHIPYARD.replace("- name: evaluation", "- name: test")
    refused = [
        api.call("PUT", f"{PROJECT}/shipyard.yaml", {"resourceContent": b64(edited)}),
        api.call("PUT", f"{ALIAS}/shipyard.yaml", {"resourceContent": b64(edited)}),
        upload(api, PROJECT, ("shipyard.yaml", edited)),
        upload(api, PROJECT, ("//shipyard.yaml", edited)),
        upload(api, ALIAS, ("notes.txt", "kept out too"), ("/shipyard.yaml", edited)),
    ]

    for status, answer in refused:
        assert status == 409, answer
        assert "changes only through PUT /v1/project" in str(answer["message"])
    assert api.call("GET", "/v1/project/shop")[1]["shipyard"] == SHIPYARD
    assert [r["resourceURI"] for r in api.call("GET", PROJECT)[1]["resources"]] == ["shipyard.yaml"]
    # Project update stays the one way, and the resource API serves what it wrote.
    assert api.call("PUT", "/v1/project", {"name": "shop", "shipyard": b64(edited)})[0] == 201
    served = api.call("GET", f"{PROJECT}/shipyard.yaml")[1]
    assert base64.b64decode(served["resourceContent"]).decode() == edited


def test_look_alikes_of_the_shipyard_are_refused_not_stored(api: Api) -> None:
    for uri in ("./shipyard.yaml", "shipyard.yaml/", "Shipyard.yaml", "shipyard.yaml\u0000"):
        status, answer = upload(api, PROJECT, (uri, SHIPYARD))
        assert status == 400, (uri, answer)
        assert str(answer["message"]).startswith("resources[0].resourceURI '")
    listed = api.call("GET", PROJECT)[1]["resources"]
    assert [r["resourceURI"] for r in listed] == ["shipyard.yaml"]


# -- resource URIs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "rule"),
    [
        ("./slo.yaml", "'.' and '..' segments are not allowed"),
        (".//x", "'.' and '..' segments are not allowed"),
        ("slo.yaml/", "must name a file, not end with '/'"),
        ("SLO.yaml", "Quartermaster reads 'slo.yaml', not 'SLO.yaml'"),
        ("slo.yaml\u0000", "control and invisible characters (U+0000)"),
        ("..\\..\\x", "'\\' is not a path separator"),
        ("..%252F..%252Fx", "still holds a percent-escape of '/'"),
    ],
)
def test_look_alike_uris_are_a_400_naming_the_uri_and_the_rule(
    api: Api, uri: str, rule: str
) -> None:
    status, answer = upload(api, SERVICE, (uri, "objectives: []\n"))

    assert status == 400
    message = str(answer["message"])
    assert message.startswith("resources[0].resourceURI '")
    assert rule in message
    assert api.call("GET", SERVICE)[1]["resources"] == []


def test_a_nul_suffix_no_longer_skips_slo_validation(api: Api) -> None:
    broken = "objectives:\n  - sli: rt\n    weight: heavy\n"

    assert upload(api, SERVICE, ("slo.yaml\u0000", broken))[0] == 400
    status, answer = api.call("PUT", f"{SERVICE}/slo.yaml%00", {"resourceContent": b64(broken)})
    assert status == 400
    assert "control and invisible characters (U+0000)" in answer["message"]
    assert api.call("GET", SERVICE)[1]["resources"] == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "encoded", ["..%252F..%252Fx", "..%5C..%5Cx", "%2E%2E%2Fx", "slo.yaml%2F", "Slo.yaml"]
)
def test_path_uris_follow_the_same_rules(api: Api, method: str, encoded: str) -> None:
    body = {"resourceContent": b64("x")} if method == "PUT" else None

    status, answer = api.call(method, f"{SERVICE}/{encoded}", body)

    assert status == 400, answer
    assert answer["message"].startswith(f"resourceURI '{encoded}' is refused: ")


def test_spellings_of_one_file_are_stored_as_that_file(api: Api) -> None:
    first = upload(api, SERVICE, ("helm//chart/values.yaml", "replicas: 1\n"))
    second = api.call(
        "PUT", f"{SERVICE}/%2Fhelm%2Fchart%2Fvalues.yaml", {"resourceContent": b64("replicas: 2\n")}
    )

    assert (first[0], second[0]) == (200, 200)
    listed = api.call("GET", SERVICE)[1]["resources"]
    assert [r["resourceURI"] for r in listed] == ["helm/chart/values.yaml"]
    served = api.call("GET", f"{SERVICE}/helm%2Fchart%2Fvalues.yaml")[1]
    assert base64.b64decode(served["resourceContent"]) == b"replicas: 2\n"


def test_a_uri_is_decoded_once_only(api: Api) -> None:
    assert upload(api, SERVICE, ("a%2541.txt", "percent"))[0] == 200

    listed = api.call("GET", SERVICE)[1]["resources"]
    assert [r["resourceURI"] for r in listed] == ["a%41.txt"]
    assert api.call("GET", f"{SERVICE}/a%2541.txt")[0] == 200
    assert api.call("GET", f"{SERVICE}/aA.txt")[0] == 404
    assert api.call("DELETE", f"{SERVICE}/a%2541.txt")[0] == 200


def test_one_file_twice_in_one_upload_is_a_400(api: Api) -> None:
    status, answer = upload(api, SERVICE, ("slo.yaml", "objectives: []\n"), ("/slo.yaml", "x"))

    assert status == 400
    assert answer["message"] == (
        "resources[1].resourceURI 'slo.yaml' names the same file as resources[0]; "
        "give each file once"
    )


def test_a_git_commit_id_that_names_no_commit_is_a_400(api: Api) -> None:
    for version in ("zzz", "1" * 1000, "000000000001%1F"):
        for path in (SERVICE, f"{SERVICE}/slo.yaml", PROJECT):
            status, answer = api.call("GET", f"{path}?gitCommitID={version}")
            assert status == 400, (path, version, answer)
            assert answer["message"].startswith("query parameter 'gitCommitID' '")
            assert "commit ids are 12 hexadecimal digits" in answer["message"]
    # Longer than any key can be: refused for its length before it is looked at.
    status, answer = api.call("GET", f"{SERVICE}?gitCommitID={'1' * 2000}")
    assert (status, answer["message"]) == (
        400,
        "query parameter 'gitCommitID' is 2000 bytes long; at most 1024 bytes are accepted",
    )
    assert api.call("GET", f"{PROJECT}/shipyard.yaml?gitCommitID=000000000001")[0] == 200


# -- sizes ------------------------------------------------------------------------------------


def test_one_upload_larger_than_a_transaction_holds_is_a_413(api: Api) -> None:
    big = "x" * 340 * 1024
    files = [(f"charts/part-{i}.txt", big) for i in range(6)]

    status, answer = upload(api, SERVICE, *files)

    assert status == 413, answer
    assert "one request writes at most 1800000 bytes; split the upload" in str(answer["message"])
    assert api.call("GET", SERVICE)[1]["resources"] == []
    assert upload(api, SERVICE, *files[:3])[0] == 200


def test_a_shipyard_larger_than_a_project_holds_is_a_413(api: Api) -> None:
    padded = SHIPYARD + "# " + "x" * 300 * 1024 + "\n"

    created = api.call("POST", "/v1/project", {"name": "big", "shipyard": b64(padded)})
    updated = api.call("PUT", "/v1/project", {"name": "shop", "shipyard": b64(padded)})

    for status, answer in (created, updated):
        assert status == 413, answer
        assert "a shipyard is limited to 262144 bytes" in answer["message"]


# -- credentials in recorded URLs --------------------------------------------------------------


def test_a_git_remote_url_with_credentials_is_a_400_that_does_not_repeat_them(api: Api) -> None:
    with_token = "https://alice:ghp_hunter2@github.com/org/shop.git"
    created = api.call(
        "POST",
        "/v1/project",
        {"name": "other", "shipyard": b64(SHIPYARD), "gitRemoteURL": with_token},
    )
    updated = api.call("PUT", "/v1/project", {"name": "shop", "gitRemoteURL": with_token})

    for status, answer in (created, updated):
        assert status == 400, answer
        assert answer["message"].startswith(
            "gitRemoteURL 'https://github.com/org/shop.git' must not contain a user name"
        )
        assert "hunter2" not in answer["message"]
    assert "gitRemoteURI" not in api.call("GET", "/v1/project/shop")[1]
    ssh = "ssh://git@github.com/org/shop.git"  # a user name alone is no credential
    assert api.call("PUT", "/v1/project", {"name": "shop", "gitRemoteURL": ssh})[0] == 201
    assert api.call("GET", "/v1/project/shop")[1]["gitRemoteURI"] == ssh


# -- secrets -----------------------------------------------------------------------------------


def secret_body(value: str, name: str = "big") -> dict[str, object]:
    return {"name": name, "data": {"v": value}}


def test_a_secret_larger_than_secrets_manager_holds_is_a_413(api: Api) -> None:
    huge = secret_body("x" * 10 * 1024 * 1024)

    for method, path in [("POST", "/v1/secret"), ("PUT", "/api/secrets/v1/secret")]:
        status, answer = api.call(method, path, huge)
        assert status == 413, answer
        assert f"at most {MAX_SECRET_BYTES} bytes (64 KB) per secret" in answer["message"]
    assert api.call("GET", "/v1/secret?name=big")[1]["Secrets"] == []


def test_a_secret_of_exactly_the_limit_is_stored(api: Api) -> None:
    overhead = len(json.dumps({"v": ""}))
    fits = secret_body("x" * (MAX_SECRET_BYTES - overhead))
    over = secret_body("x" * (MAX_SECRET_BYTES - overhead + 1))

    assert api.call("POST", "/v1/secret", fits)[0] == 201
    assert api.call("PUT", "/v1/secret", over)[0] == 413
    # Non-ASCII is stored as JSON escapes (six bytes each), which count.
    escaped = secret_body("é" * (MAX_SECRET_BYTES // 6), name="accents")
    assert api.call("POST", "/v1/secret", escaped)[0] == 413


def test_too_many_key_names_for_the_description_are_a_400(api: Api) -> None:
    body = {"name": "many", "data": {f"key-number-{i:04d}": "v" for i in range(200)}}

    status, answer = api.call("POST", "/v1/secret", body)

    assert status == 400
    assert "data: secret 'many' has 200 keys" in answer["message"]
    assert "at most 2048 fit" in answer["message"]


def test_deleting_a_secret_by_a_name_no_secret_can_have_is_a_400(api: Api) -> None:
    for query in ("name=a%00b", "name=../x", "name=ok&scope=Bad%20Scope"):
        status, answer = api.call("DELETE", f"/v1/secret?{query}")
        assert status == 400, (query, answer)
        assert "must be lowercase letters, digits" in answer["message"]


def test_a_name_and_scope_longer_than_a_secrets_manager_name_are_a_400(api: Api) -> None:
    body = {"name": "n" * 253, "scope": "s" * 253, "data": {"k": "v"}}

    status, answer = api.call("POST", "/v1/secret", body)

    assert status == 400
    assert answer["message"].startswith("name and scope: together at most ")
    assert "(506 given)" in answer["message"]


# -- parameters too long to be keys -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/v1/event?keptnContext=" + "c" * 1025, "query parameter 'keptnContext'"),
        ("/v1/sequence/shop?name=ok&name=" + "n" * 2000, "query parameter 'name'"),
        ("/v1/project/shop/stage/" + "s" * 3000, "path parameter 'stage'"),
        ("/v1/project/shop/resource/" + "r" * 1100 + ".yaml", "path parameter"),
        # Multi-byte characters count as their UTF-8 bytes: 400 characters are 1200 bytes.
        ("/v1/event?project=" + "\u00e9" * 600, "query parameter 'project'"),
    ],
)
def test_parameters_too_long_to_be_keys_are_a_400_naming_them(
    api: Api, path: str, named: str
) -> None:
    status, answer = api.call("GET", path)

    assert status == 400
    assert named in str(answer["message"])
    assert "at most 1024 bytes" in str(answer["message"])


def test_a_parameter_at_the_limit_is_served(api: Api) -> None:
    status, answer = api.call("GET", "/v1/event?keptnContext=" + "c" * 1024)

    assert status == 200
    assert answer["events"] == []
