"""Quality gates on moto, end to end through the API and the bus (reference section 4).

An evaluation is triggered through the API (the built-in evaluation sequence), the lighthouse
asks the project's SLI provider, and `evaluation.finished` comes back. The SLI provider here is
"my-provider": a tool of the user's, played by the test, that answers get-sli through the API;
the built-in CloudWatch and Prometheus providers have their own tests below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.domain.events import format_time
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from tests.integration.api_helpers import Api, b64
from tests.integration.conftest import STAGE
from tests.integration.prometheus_server import PASSWORD, T0, USERNAME
from tests.integration.sequencing_harness import Harness

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
              properties:
                timeframe: 10m
            - name: release
"""

SLO = """\
spec_version: "1.0"
filter:
  handler: ItemsController.addToCart
comparison:
  compare_with: several_results
  include_result_with_score: pass
  number_of_comparison_results: 2
  aggregate_function: avg
objectives:
  - sli: response_time_p95
    displayName: Response time P95
    pass:
      - criteria: ["<=+10%", "<600"]
    warning:
      - criteria: ["<=800"]
  - sli: throughput
total_score:
  pass: "90%"
  warning: "75%"
"""

SERVICE = "/v1/project/shop/stage/dev/service/cart"


class Gate:
    """The API, the bus and an SLI provider of the user's, from the test's side."""

    def __init__(self, flow: Harness) -> None:
        self.flow = flow
        self.api = flow.api

    def upload(self, uri: str, content: str, where: str = SERVICE) -> None:
        body = {"resources": [{"resourceURI": uri, "resourceContent": b64(content)}]}
        status, answer = self.api.call("POST", f"{where}/resource", body)
        assert status in (200, 201), answer

    def monitoring(self, **settings: Any) -> tuple[int, Any]:
        return self.api.call("PUT", "/v1/project/shop/monitoring", settings)

    def evaluate(self, **body: Any) -> str:
        status, answer = self.api.call("POST", f"{SERVICE}/evaluation", body or {"timeframe": "5m"})
        assert status == 200, answer
        assert set(answer) == {"keptnContext"}
        return str(answer["keptnContext"])

    def of_type(self, context: str, task_phase: str) -> list[dict[str, Any]]:
        wanted = f"sh.keptn.event.{task_phase}"
        return [event for event in self.flow.events(context) if event["type"] == wanted]

    def wait(self, context: str, task_phase: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = self.flow.pump(lambda: self.of_type(context, task_phase))
        return found[0]

    def answer_sli(
        self,
        request: dict[str, Any],
        values: Mapping[str, float | None],
        status: str = "succeeded",
        result: str = "pass",
        message: str = "",
        labels: dict[str, str] | None = None,
    ) -> None:
        """get-sli.finished as an SLI provider sends it; a None value is a failed SLI."""
        data: dict[str, Any] = {
            **{key: request["data"][key] for key in ("project", "stage", "service")},
            "status": status,
            "result": result,
            "message": message,
            "get-sli": {
                "start": request["data"]["get-sli"]["start"],
                "end": request["data"]["get-sli"]["end"],
                "indicatorValues": [
                    {"metric": name, "value": value or 0, "success": value is not None}
                    for name, value in values.items()
                ],
            },
        }
        if labels:
            data["labels"] = labels
        event = {
            "specversion": "1.0",
            "source": "my-provider",
            "type": "sh.keptn.event.get-sli.finished",
            "shkeptncontext": request["shkeptncontext"],
            "triggeredid": request["id"],
            "data": data,
        }
        status_code, body = self.api.call("POST", "/v1/event", event)
        assert status_code == 200, body

    def gate(self, values: dict[str, float | None], **evaluation: Any) -> dict[str, Any]:
        """Run one evaluation answered with `values`; its evaluation.finished."""
        context = self.evaluate(**evaluation)
        self.answer_sli(self.wait(context, "get-sli.triggered"), values)
        return self.wait(context, "evaluation.finished")

    def history(self, limit: int = 10) -> list[dict[str, Any]]:
        status, body = self.api.call("GET", f"{SERVICE}/evaluation?limit={limit}")
        assert status == 200, body
        evaluations: list[dict[str, Any]] = body["evaluations"]
        return evaluations


@pytest.fixture
def gate(aws: None) -> Iterator[Gate]:
    container = build_aws_container(Settings(stage=STAGE, start_settle_seconds=0))
    use_container(container)
    token = issue_token(container.tokens, "alice")
    with Client(app) as client:
        flow = Harness(Api(client, token))
        flow.create_project(SHIPYARD)
        yield Gate(flow)
    use_container(None)


@pytest.fixture
def measured(gate: Gate) -> Gate:
    """A gate with an SLO file and the user's own SLI provider."""
    gate.upload("slo.yaml", SLO)
    assert gate.monitoring(provider="my-provider")[0] == 200
    return gate


# -- the flow --------------------------------------------------------------------------------


def test_an_evaluation_asks_the_provider_and_scores_the_answer(measured: Gate) -> None:
    context = measured.evaluate(timeframe="10m", labels={"buildId": "42"})
    triggered = measured.wait(context, "evaluation.triggered")
    started = measured.wait(context, "evaluation.started")
    assert (started["source"], started["triggeredid"]) == ("lighthouse-service", triggered["id"])

    request = measured.wait(context, "get-sli.triggered")
    assert "triggeredid" not in request or not request["triggeredid"]
    get_sli = request["data"]["get-sli"]
    assert get_sli["sliProvider"] == "my-provider"
    assert get_sli["indicators"] == ["response_time_p95", "throughput"]
    assert get_sli["customFilters"] == [{"key": "handler", "value": "ItemsController.addToCart"}]
    start = datetime.fromisoformat(get_sli["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(get_sli["end"].replace("Z", "+00:00"))
    assert end - start == timedelta(minutes=10)
    assert request["data"]["labels"] == {"buildId": "42"}

    measured.answer_sli(
        request, {"response_time_p95": 420.0, "throughput": 12.5}, labels={"buildId": "42"}
    )
    finished = measured.wait(context, "evaluation.finished")
    assert finished["triggeredid"] == triggered["id"]
    assert finished["source"] == "lighthouse-service"
    data = finished["data"]
    assert (data["result"], data["status"]) == ("pass", "succeeded")
    assert data["evaluation"]["score"] == 100
    assert data["evaluation"]["timeStart"] == get_sli["start"]
    assert data["labels"] == {"buildId": "42"}
    rt, throughput = data["evaluation"]["indicatorResults"]
    assert (rt["status"], rt["displayName"]) == ("pass", "Response time P95")
    assert rt["passTargets"] == [
        {"criteria": "<=+10%", "targetValue": 0, "violated": False},
        {"criteria": "<600", "targetValue": 600, "violated": False},
    ]
    assert throughput["status"] == "info"
    # The built-in evaluation sequence ends with the gate's result.
    sequence = measured.flow.wait_finished(context, "dev", "evaluation")
    assert sequence["data"]["result"] == "pass"


def test_later_evaluations_compare_with_earlier_passing_ones(measured: Gate) -> None:
    first = measured.gate({"response_time_p95": 400.0, "throughput": 10.0})
    assert first["data"]["result"] == "pass"

    # 500 > 400 + 10 %: the pass criteria fail, the warning one holds: 50 % -> fail.
    second = measured.gate({"response_time_p95": 500.0, "throughput": 10.0})
    evaluation = second["data"]["evaluation"]
    assert evaluation["comparedEvents"] == [first["id"]]
    assert evaluation["indicatorResults"][0]["value"]["comparedValue"] == 400
    assert evaluation["indicatorResults"][0]["status"] == "warning"
    assert second["data"]["result"] == "fail"
    assert second["data"]["message"] == (
        "Evaluation failed since the calculated score of 50 is below the warning value of 75"
    )

    # include_result_with_score: pass -> the failed second evaluation is not a baseline.
    third = measured.gate({"response_time_p95": 430.0, "throughput": 10.0})
    assert third["data"]["evaluation"]["comparedEvents"] == [first["id"]]
    assert third["data"]["result"] == "pass"

    # Newest first, at most number_of_comparison_results (2).
    fourth = measured.gate({"response_time_p95": 450.0, "throughput": 10.0})
    assert fourth["data"]["evaluation"]["comparedEvents"] == [third["id"], first["id"]]
    assert fourth["data"]["evaluation"]["indicatorResults"][0]["value"]["comparedValue"] == 415

    history = measured.history()
    assert [entry["eventId"] for entry in history] == [
        fourth["id"],
        third["id"],
        second["id"],
        first["id"],
    ]
    assert [entry["result"] for entry in history] == ["pass", "pass", "fail", "pass"]
    assert history[2]["evaluation"]["score"] == 50
    assert [entry["eventId"] for entry in measured.history(limit=1)] == [fourth["id"]]


def test_an_invalidated_evaluation_is_no_longer_a_baseline(measured: Gate) -> None:
    first = measured.gate({"response_time_p95": 400.0, "throughput": 10.0})
    invalidation = {
        "specversion": "1.0",
        "source": "bridge",
        "type": "sh.keptn.event.evaluation.invalidated",
        "shkeptncontext": first["shkeptncontext"],
        "triggeredid": first["triggeredid"],
        "data": {"project": "shop", "stage": "dev", "service": "cart"},
    }
    assert measured.api.call("POST", "/v1/event", invalidation)[0] == 200
    measured.flow.pump(lambda: measured.history()[0]["invalidated"])

    # Without the first as a baseline, 500 only meets "<600" (relative criteria skip): pass.
    second = measured.gate({"response_time_p95": 500.0, "throughput": 10.0})
    assert "comparedEvents" not in second["data"]["evaluation"]
    assert second["data"]["result"] == "pass"
    assert [entry["invalidated"] for entry in measured.history()] == [False, True]


def test_an_evaluation_task_in_a_sequence_gates_the_next_task(measured: Gate) -> None:
    flow = measured.flow
    context = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(context, "deployment"))
    request = measured.wait(context, "get-sli.triggered")
    window = request["data"]["get-sli"]
    start = datetime.fromisoformat(window["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(window["end"].replace("Z", "+00:00"))
    assert end - start == timedelta(minutes=10)  # the task's `timeframe` property
    measured.answer_sli(request, {"response_time_p95": 900.0, "throughput": 1.0})
    finished = flow.wait_finished(context, "dev", "delivery")
    assert finished["data"]["result"] == "fail"
    assert flow.triggered(context, "release") == []


# -- outcomes without scoring ----------------------------------------------------------------


def test_without_an_sli_provider_the_gate_passes_unmeasured(gate: Gate) -> None:
    gate.upload("slo.yaml", SLO)
    context = gate.evaluate()
    data = gate.wait(context, "evaluation.finished")["data"]
    assert (data["result"], data["status"], data["evaluation"]["score"]) == ("pass", "succeeded", 0)
    assert data["message"] == (
        "no evaluation performed by lighthouse because no SLI-provider configured for project shop"
    )
    assert gate.of_type(context, "get-sli.triggered") == []
    assert [entry["result"] for entry in gate.history()] == ["pass"]


def test_without_an_slo_file_the_gate_passes_after_asking(gate: Gate) -> None:
    assert gate.monitoring(provider="my-provider")[0] == 200
    context = gate.evaluate()
    request = gate.wait(context, "get-sli.triggered")
    assert request["data"]["get-sli"]["indicators"] == []
    gate.answer_sli(request, {})
    data = gate.wait(context, "evaluation.finished")["data"]
    assert (data["result"], data["status"]) == ("pass", "succeeded")
    assert data["message"] == (
        "no evaluation performed by lighthouse because no SLO file configured for project shop"
    )


@pytest.mark.parametrize(
    ("status", "result", "expected_status", "expected_result", "message"),
    [
        (
            "errored",
            "fail",
            "errored",
            "fail",
            "evaluation performed by lighthouse received an unexpected error: cannot reach it",
        ),
        ("aborted", "fail", "errored", "fail", "evaluation performed by lighthouse was aborted"),
        (
            "succeeded",
            "fail",
            "succeeded",
            "fail",
            "lighthouse failed because SLI failed with message cannot reach it",
        ),
    ],
)
def test_a_failed_get_sli_answer_decides_the_outcome(
    measured: Gate,
    status: str,
    result: str,
    expected_status: str,
    expected_result: str,
    message: str,
) -> None:
    context = measured.evaluate()
    request = measured.wait(context, "get-sli.triggered")
    values = {"response_time_p95": 100.0, "throughput": 1.0}
    measured.answer_sli(request, values, status=status, result=result, message="cannot reach it")
    data = measured.wait(context, "evaluation.finished")["data"]
    assert (data["status"], data["result"], data["message"]) == (
        expected_status,
        expected_result,
        message,
    )
    if status == "succeeded":
        # Keptn's quirk: the event fails, the evaluation keeps its computed result and score.
        assert (data["evaluation"]["result"], data["evaluation"]["score"]) == ("pass", 100)


def test_an_evaluation_without_a_window_is_errored(measured: Gate) -> None:
    context = measured.flow.trigger("dev", "evaluation")
    data = measured.wait(context, "evaluation.finished")["data"]
    assert (data["status"], data["result"]) == ("errored", "fail")
    assert data["message"] == "evaluation.triggered event does not contain evaluation timeframe"
    assert measured.of_type(context, "get-sli.triggered") == []


def test_an_evaluation_with_a_bad_timeframe_is_errored(measured: Gate) -> None:
    context = measured.flow.trigger("dev", "evaluation", data={"evaluation": {"timeframe": "5x"}})
    data = measured.wait(context, "evaluation.finished")["data"]
    assert (data["status"], data["result"]) == ("errored", "fail")
    assert data["message"] == 'time: unknown unit "x" in duration "5x"'


def test_an_answer_nobody_asked_for_changes_nothing(measured: Gate) -> None:
    stray = {
        "id": "stray",
        "shkeptncontext": "6a0f1c0e-8d1e-4d5a-9a51-2f1c4c1e9e11",
        "data": {
            "project": "shop",
            "stage": "dev",
            "service": "cart",
            "get-sli": {"start": "2024-01-01T10:00:00.000Z", "end": "2024-01-01T10:10:00.000Z"},
        },
    }
    measured.answer_sli(stray, {"response_time_p95": 1.0})
    measured.flow.settle()
    assert measured.history() == []


# -- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"end": "2024-01-01T10:00:00Z"}, "start date is required when using an end date"),
        ({"start": "2024-01-01T10:00:00Z"}, "no timeframe or end date provided"),
        (
            {"start": "2024-01-01T10:00:00Z", "end": "2024-01-01T10:10:00Z", "timeframe": "5m"},
            "'end' and 'timeframe' are mutually exclusive",
        ),
        (
            {"start": "2024-01-01T10:00:00Z", "end": "2024-01-01T10:00:30Z"},
            "end date must be at least 1 minute after start date",
        ),
        ({"timeframe": "soon"}, 'time: invalid duration "soon"'),
        ({"timeframe": 5}, "timeframe: Input should be a valid string"),
        ({"labels": {"build": 42}}, "labels.build: Input should be a valid string"),
    ],
)
def test_a_bad_evaluation_request_is_a_400_naming_the_problem(
    gate: Gate, body: dict[str, Any], message: str
) -> None:
    status, answer = gate.api.call("POST", f"{SERVICE}/evaluation", body)
    assert status == 400
    assert message in answer["message"]


def test_an_evaluation_of_an_unknown_service_is_a_404(gate: Gate) -> None:
    status, answer = gate.api.call(
        "POST", "/v1/project/shop/stage/dev/service/nope/evaluation", {"timeframe": "5m"}
    )
    assert status == 404
    assert "nope" in answer["message"]
    status, _ = gate.api.call("GET", "/v1/project/shop/stage/qa/service/cart/evaluation")
    assert status == 404


def test_the_keptn_alias_path_triggers_an_evaluation(gate: Gate) -> None:
    path = "/api/controlPlane/v1/project/shop/stage/dev/service/cart/evaluation"
    status, answer = gate.api.call(
        "POST", path, {"start": "2024-01-01T10:00:00", "end": "2024-01-01T10:10:00"}
    )
    assert status == 200, answer
    triggered = gate.wait(answer["keptnContext"], "evaluation.triggered")
    assert triggered["data"]["evaluation"] == {
        "start": "2024-01-01T10:00:00.000Z",
        "end": "2024-01-01T10:10:00.000Z",
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"provider": "prometheus"}, "provider prometheus needs url"),
        ({"provider": "prometheus", "url": "prom:9090"}, "must start with http:// or https://"),
        ({"provider": "cloudwatch", "url": "http://x"}, "provider cloudwatch takes neither"),
        ({"provider": "Prometheus!"}, "provider: provider name must start with a lowercase"),
        (
            {"provider": "prometheus", "url": "http://prom:9090", "secret": "absent"},
            "secret: 'absent' does not exist",
        ),
        ({}, "provider: Field required"),
        (
            {"provider": "prometheus", "url": "http://prom:9090", "secret": "../Other Secret"},
            "secret: secret name '../Other Secret' must be lowercase letters",
        ),
    ],
)
def test_bad_monitoring_settings_are_a_400(
    gate: Gate, settings: dict[str, Any], message: str
) -> None:
    status, answer = gate.monitoring(**settings)
    assert status == 400
    assert message in answer["message"]


@pytest.mark.parametrize(
    "url",
    ["http://admin:hunter2@prom:9090", "https://hunter2@prom:9090", "http://admin:p@hunter2@prom"],
)
def test_a_prometheus_url_with_credentials_is_a_400_that_does_not_repeat_them(
    gate: Gate, url: str
) -> None:
    status, answer = gate.monitoring(provider="prometheus", url=url)

    assert status == 400
    assert answer["message"].startswith("url: url 'http")
    assert "must not contain a user name or password" in answer["message"]
    assert "name it in 'secret'" in answer["message"]
    assert "hunter2" not in answer["message"]
    assert gate.api.call("GET", "/v1/project/shop/monitoring")[0] == 404


def test_a_url_with_credentials_saved_earlier_is_served_and_used_without_them(
    gate: Gate,
) -> None:
    # Written directly, as a deployment from before the refusal may hold it.
    boto3.client("dynamodb").put_item(
        TableName=Settings(stage=STAGE).evaluations_table,
        Item={
            "pk": {"S": "monitoring#shop"},
            "settings": {
                "S": '{"provider": "prometheus", "url": "http://admin:hunter2@127.0.0.1:9"}'
            },
        },
    )

    status, served = gate.api.call("GET", "/v1/project/shop/monitoring")
    assert (status, served) == (200, {"provider": "prometheus", "url": "http://127.0.0.1:9"})
    gate.upload("slo.yaml", SLO)
    gate.upload("prometheus/sli.yaml", "indicators:\n  throughput: sum(up)\n")
    context = gate.evaluate()
    answer = gate.wait(context, "get-sli.finished")["data"]
    assert answer["message"].startswith("Prometheus at http://127.0.0.1:9 did not answer")
    assert "hunter2" not in json.dumps(gate.flow.events(context))


def test_monitoring_settings_are_read_back(gate: Gate) -> None:
    assert gate.api.call("GET", "/v1/project/shop/monitoring")[0] == 404
    assert gate.monitoring(provider="cloudwatch") == (200, {"provider": "cloudwatch"})
    assert gate.api.call("GET", "/v1/project/shop/monitoring") == (200, {"provider": "cloudwatch"})
    assert gate.api.call("PUT", "/v1/project/nope/monitoring", {"provider": "x"})[0] == 404


def test_keptn_monitoring_configure_sets_the_provider(gate: Gate) -> None:
    event = {
        "specversion": "1.0",
        "source": "keptn-cli",
        "type": "sh.keptn.event.monitoring.configure",
        "data": {"project": "shop", "service": "cart", "type": "dynatrace"},
    }
    assert gate.api.call("POST", "/v1/event", event)[0] == 200
    found = gate.flow.pump(lambda: gate.api.call("GET", "/v1/project/shop/monitoring")[1])
    assert found == {"provider": "dynatrace"}


# -- the built-in SLI providers --------------------------------------------------------------

CLOUDWATCH_SLI = """\
indicators:
  response_time_p95: |
    namespace: Shop
    metric: Latency
    dimensions:
      Service: $SERVICE-$STAGE
    stat: Maximum
  throughput: '{"namespace": "Shop", "metric": "Requests", "stat": "Sum",
    "dimensions": {"Service": "$SERVICE-$STAGE"}}'
"""


def test_cloudwatch_answers_with_the_metrics_put_in_the_window(gate: Gate) -> None:
    gate.upload("slo.yaml", SLO)
    gate.upload("cloudwatch/sli.yaml", CLOUDWATCH_SLI)
    assert gate.monitoring(provider="cloudwatch")[0] == 200
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=10)
    cloudwatch = boto3.client("cloudwatch")
    dimensions = [{"Name": "Service", "Value": "cart-dev"}]
    for minute, (latency, requests) in enumerate([(300.0, 5.0), (450.0, 7.0), (380.0, 8.0)]):
        at = start + timedelta(minutes=2 + minute)
        cloudwatch.put_metric_data(
            Namespace="Shop",
            MetricData=[
                {
                    "MetricName": "Latency",
                    "Dimensions": dimensions,
                    "Timestamp": at,
                    "Value": latency,
                },
                {
                    "MetricName": "Requests",
                    "Dimensions": dimensions,
                    "Timestamp": at,
                    "Value": requests,
                },
            ],
        )
    context = gate.evaluate(start=format_time(start), end=format_time(end))
    answer = gate.wait(context, "get-sli.finished")
    assert answer["source"] == "cloudwatch-sli-provider"
    finished = gate.wait(context, "evaluation.finished")["data"]
    values = {
        result["value"]["metric"]: result["value"]["value"]
        for result in finished["evaluation"]["indicatorResults"]
    }
    assert values == {"response_time_p95": 450.0, "throughput": 20.0}
    assert (finished["result"], finished["evaluation"]["score"]) == ("pass", 100)


def test_prometheus_answers_from_a_real_server(gate: Gate, prometheus_url: str) -> None:
    gate.upload("slo.yaml", SLO.replace('"<600"', '"<400"'))
    gate.upload(
        "prometheus/sli.yaml",
        "indicators:\n"
        '  throughput: sum(rate(http_requests_total{job="carts-sockshop-dev"}'
        "[$DURATION_SECONDS]))\n"
        "  response_time_p95: histogram_quantile(0.95, sum by(le) (rate("
        'http_response_time_milliseconds_bucket{job="carts-sockshop-dev"}[$DURATION_SECONDS])))\n',
    )
    secret = {"name": "prometheus-credentials", "data": {"user": USERNAME, "password": PASSWORD}}
    assert gate.api.call("POST", "/v1/secret", secret)[0] == 201
    status, answer = gate.monitoring(
        provider="prometheus", url=prometheus_url, secret="prometheus-credentials"
    )
    assert status == 200, answer
    context = gate.evaluate(start=format_time(T0), end=format_time(T0 + timedelta(minutes=10)))
    finished = gate.wait(context, "evaluation.finished")["data"]
    values = {
        result["value"]["metric"]: round(result["value"]["value"], 6)
        for result in finished["evaluation"]["indicatorResults"]
    }
    assert values == {"response_time_p95": 350.0, "throughput": 1.6}
    assert (finished["result"], finished["evaluation"]["score"]) == ("pass", 100)


def test_an_unreachable_prometheus_errors_the_evaluation(gate: Gate) -> None:
    gate.upload("slo.yaml", SLO)
    gate.upload("prometheus/sli.yaml", "indicators:\n  throughput: sum(up)\n")
    assert gate.monitoring(provider="prometheus", url="http://127.0.0.1:9")[0] == 200
    context = gate.evaluate()
    answer = gate.wait(context, "get-sli.finished")["data"]
    assert answer["status"] == "errored"
    finished = gate.wait(context, "evaluation.finished")["data"]
    assert (finished["status"], finished["result"]) == ("errored", "fail")
    assert finished["message"].startswith(
        "evaluation performed by lighthouse received an unexpected error: Prometheus at "
        "http://127.0.0.1:9 did not answer"
    )
