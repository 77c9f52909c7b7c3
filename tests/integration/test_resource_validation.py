"""Uploading an slo.yaml names every problem of the file in one bounded 400 message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.domain.documents import MAX_MESSAGE_CHARS, MAX_PROBLEMS_SHOWN
from chalicelib.services.auth import issue_token
from tests.integration.api_helpers import Api, b64

BASE = "/v1/project/shop/stage/dev/service/cart/resource"


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    token = issue_token(aws_container.tokens, "alice")
    with Client(app) as client:
        api = Api(client, token)
        api.create_shop()
        yield api


def upload(api: Api, content: str) -> tuple[int, dict[str, str]]:
    body = {"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(content)}]}
    status, answer = api.call("POST", BASE, body)
    return status, answer


def test_every_problem_of_the_slo_is_in_the_one_message(api: Api) -> None:
    content = (
        "objectives:\n"
        "  - sli: rt\n    weight: heavy\n    pass:\n      - criteria: ['=< 300']\n"
        "  - sli: errors\n    pass:\n      - criteria: [banana]\n"
        "total_score:\n  pass: '90%'\n"
    )

    status, answer = upload(api, content)

    assert status == 400
    problems = answer["message"].split("\n")
    assert [problem.split(" (line")[0] for problem in problems] == [
        "slo.yaml: objectives[0].weight 'heavy'",
        "slo.yaml: objectives[0].pass[0].criteria[0] '=< 300'",
        "slo.yaml: objectives[1].pass[0].criteria[0] 'banana'",
    ]
    assert api.call("GET", BASE)[1]["resources"] == []


def test_a_file_with_hundreds_of_problems_gets_a_bounded_message(api: Api) -> None:
    objectives = "".join(
        f"  - sli: s{i}\n    pass:\n      - criteria: [x{i}]\n" for i in range(300)
    )

    status, answer = upload(api, f"objectives:\n{objectives}total_score: {{pass: 90}}\n")

    assert status == 400
    message = answer["message"]
    assert len(message) < MAX_MESSAGE_CHARS + 200
    shown = message.split("\n")
    assert shown[0].startswith("slo.yaml: objectives[0].pass[0].criteria[0] 'x0' (line 4)")
    assert len(shown) <= MAX_PROBLEMS_SHOWN + 1
    assert shown[-1] == (
        f"... and {300 - len(shown) + 1} more problems (qm validate FILE lists them all)"
    )


def test_warnings_do_not_refuse_the_upload(api: Api) -> None:
    content = (
        "objectives:\n  - sli: rt\n    weight: 0\n    pass:\n      - criteria: ['<5', '>10']\n"
    )

    status, _ = upload(api, content + "total_score: {pass: '90%', warning: '95%'}\n")

    assert status == 200


def test_a_put_of_one_file_is_checked_the_same_way(api: Api) -> None:
    content = "objectives:\n  - sli: rt\n    pass:\n      - criteria: ['<<5', banana]\n"

    status, answer = api.call("PUT", f"{BASE}/slo.yaml", {"resourceContent": b64(content)})

    assert status == 400
    assert [line.split(": ")[1] for line in answer["message"].split("\n")] == [
        "objectives[0].pass[0].criteria[0] '<<5' (line 4)",
        "objectives[0].pass[0].criteria[1] 'banana' (line 4)",
    ]
