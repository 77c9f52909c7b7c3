"""The CloudWatch SLI provider on moto: values put with put_metric_data come back per SLI.

moto computes Sum/Average/Minimum/Maximum/SampleCount but not percentiles, evaluates a metric
math expression only when it is a bare metric id, and answers a Metrics Insights query with the
sum of every datapoint in the window. Tests that depend on those parts look at the request the
provider sends, or keep only the metric the query names in moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from moto import mock_aws

from chalicelib.adapters.sli_cloudwatch import CloudWatchSliProvider
from chalicelib.domain.sli import SliFile
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.errors import DependencyFailure

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# A window an hour ago, on whole minutes: [BASE, BASE + 10 min).
BASE = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
START = BASE
END = BASE + timedelta(minutes=10)

DURATION = """
namespace: AWS/Lambda
metric: Duration
dimensions:
  FunctionName: $SERVICE-$STAGE
stat: {stat}
"""


@pytest.fixture
def cloudwatch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


@pytest.fixture
def calls(cloudwatch: Any) -> list[dict[str, Any]]:
    """The parameters of every GetMetricData call the provider makes."""
    seen: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(params)

    cloudwatch.meta.events.register("provide-client-params.cloudwatch.GetMetricData", record)
    return seen


def put(client: Any, metric: str, function: str, value: float, at: datetime) -> None:
    client.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": function}],
                "Value": value,
                "Timestamp": at,
            }
        ],
    )


@pytest.fixture
def durations(cloudwatch: Any) -> None:
    """carts-dev Duration: 100, 200 and 600 inside the window; 10000s around it; another
    function's 5000 inside it."""
    for minute, value in ((1, 100.0), (4, 200.0), (9, 600.0)):
        put(cloudwatch, "Duration", "carts-dev", value, BASE + timedelta(minutes=minute))
    for outside in (BASE - timedelta(minutes=2), END, END + timedelta(minutes=1)):
        put(cloudwatch, "Duration", "carts-dev", 10000.0, outside)
    put(cloudwatch, "Duration", "carts-staging", 5000.0, BASE + timedelta(minutes=5))


def provider(client: Any) -> CloudWatchSliProvider:
    return CloudWatchSliProvider(lambda: client)


def sli_request(*indicators: str, **overrides: Any) -> SliRequest:
    fields: dict[str, Any] = {
        "project": "shop",
        "stage": "dev",
        "service": "carts",
        "start": START,
        "end": END,
        "indicators": list(indicators),
    }
    fields.update(overrides)
    return SliRequest.model_validate(fields)


def by_metric(values: list[Any]) -> dict[str, tuple[float, bool, str]]:
    return {item.metric: (item.value, item.success, item.message) for item in values}


@pytest.mark.usefixtures("durations")
def test_each_statistic_covers_exactly_the_window_of_the_service(cloudwatch: Any) -> None:
    queries = {
        stat.lower(): DURATION.format(stat=stat)
        for stat in ("Average", "Sum", "Maximum", "Minimum", "SampleCount")
    }

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert by_metric(values) == {
        "average": (300.0, True, ""),
        "sum": (900.0, True, ""),
        "maximum": (600.0, True, ""),
        "minimum": (100.0, True, ""),
        "samplecount": (3.0, True, ""),
    }


@pytest.mark.usefixtures("durations")
def test_all_slis_of_a_request_are_measured_in_one_call(
    cloudwatch: Any, calls: list[dict[str, Any]]
) -> None:
    queries = {f"sli_{n}": DURATION.format(stat="Sum") for n in range(40)}

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert [value.value for value in values] == [900.0] * 40
    assert len(calls) == 1
    assert len(calls[0]["MetricDataQueries"]) == 40


@pytest.mark.usefixtures("durations")
def test_a_mapping_in_the_sli_file_works_as_well_as_yaml_text(cloudwatch: Any) -> None:
    queries: dict[str, object] = {
        "as_mapping": {
            "namespace": "AWS/Lambda",
            "metric": "Duration",
            "dimensions": {"FunctionName": "$SERVICE-$STAGE"},
            "stat": "Maximum",
        },
        "as_json": '{"namespace": "AWS/Lambda", "metric": "Duration", '
        '"dimensions": {"FunctionName": "$SERVICE-$STAGE"}, "stat": "Maximum"}',
    }

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert [(value.value, value.success) for value in values] == [(600.0, True), (600.0, True)]


@pytest.mark.usefixtures("durations")
def test_an_sli_file_read_from_yaml_feeds_the_provider(cloudwatch: Any) -> None:
    sli_file = SliFile.model_validate(
        yaml.safe_load(
            """
spec_version: "1.0"
indicators:
  duration_avg: |
    namespace: AWS/Lambda
    metric: Duration
    dimensions: {FunctionName: $SERVICE-$STAGE}
    stat: Average
"""
        )
    )

    values = provider(cloudwatch).get_sli_values(sli_request("duration_avg"), sli_file.indicators)

    assert by_metric(values) == {"duration_avg": (300.0, True, "")}


def test_a_window_off_the_minute_is_still_one_datapoint_covering_all_of_it(
    cloudwatch: Any, calls: list[dict[str, Any]]
) -> None:
    # 10:00:30 - 10:10:30: CloudWatch starts at 10:00:00, so a 600 s period would split the
    # window into 10:00-10:10 and 10:10-10:20; the provider asks for one 660 s period.
    put(cloudwatch, "Duration", "carts-dev", 100.0, BASE + timedelta(minutes=2))
    put(cloudwatch, "Duration", "carts-dev", 500.0, BASE + timedelta(minutes=10, seconds=10))
    query = {"avg": DURATION.format(stat="Average")}
    window = {"start": BASE + timedelta(seconds=30), "end": END + timedelta(seconds=30)}

    values = provider(cloudwatch).get_sli_values(sli_request("avg", **window), query)

    assert by_metric(values) == {"avg": (300.0, True, "")}
    assert calls[0]["StartTime"] == BASE
    assert calls[0]["MetricDataQueries"][0]["MetricStat"]["Period"] == 660


def test_a_shorter_period_is_reduced_by_the_statistic(cloudwatch: Any) -> None:
    # Minute 1: 100 and 300 (average 200); minute 4: 500. Per-minute values reduced over the
    # window: the mean of the averages is 350 (the whole-window average would be 300).
    for value, minute in ((100.0, 1), (300.0, 1), (500.0, 4)):
        put(cloudwatch, "Duration", "carts-dev", value, BASE + timedelta(minutes=minute))
    queries = {
        stat.lower(): DURATION.format(stat=stat) + "period: 60\n"
        for stat in ("Average", "Sum", "Maximum", "Minimum", "SampleCount")
    }

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert by_metric(values) == {
        "average": (350.0, True, ""),
        "sum": (900.0, True, ""),
        "maximum": (500.0, True, ""),
        "minimum": (100.0, True, ""),
        "samplecount": (3.0, True, ""),
    }


def test_a_percentile_refuses_a_shorter_period(cloudwatch: Any, calls: list[Any]) -> None:
    queries = {"p95": DURATION.format(stat="p95") + "period: 60\n"}

    [value] = provider(cloudwatch).get_sli_values(sli_request("p95"), queries)

    assert not value.success
    assert "sets period 60 with stat p95" in value.message
    assert "remove 'period'" in value.message
    assert calls == []


@pytest.mark.usefixtures("durations")
def test_an_sli_without_a_query_fails_alone(cloudwatch: Any) -> None:
    queries = {"duration": DURATION.format(stat="Sum")}

    values = provider(cloudwatch).get_sli_values(sli_request("duration", "throttles"), queries)

    assert by_metric(values)["duration"] == (900.0, True, "")
    value, success, message = by_metric(values)["throttles"]
    assert (value, success) == (0.0, False)
    assert message.startswith("no query for SLI 'throttles' in sli.yaml")


@pytest.mark.usefixtures("durations")
def test_an_sli_without_datapoints_in_the_window_fails_with_no_data(cloudwatch: Any) -> None:
    queries = {
        "duration": DURATION.format(stat="Sum"),
        "prod_duration": DURATION.format(stat="Sum").replace("$STAGE", "prod"),
    }

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert by_metric(values) == {
        "duration": (900.0, True, ""),
        "prod_duration": (0.0, False, "no data for prod_duration in the evaluation window"),
    }


def test_an_invalid_query_names_the_field_and_the_others_are_measured(
    cloudwatch: Any,
) -> None:
    put(cloudwatch, "Duration", "carts-dev", 7.0, BASE + timedelta(minutes=1))
    queries = {
        "ok": DURATION.format(stat="Sum"),
        "typo": DURATION.format(stat="Sum").replace("dimensions:", "dimension:"),
        "empty_dimension": DURATION.format(stat="Sum").replace("$SERVICE-$STAGE", "$DEPLOYMENT"),
    }

    values = by_metric(provider(cloudwatch).get_sli_values(sli_request(*queries), queries))

    assert values["ok"] == (7.0, True, "")
    assert not values["typo"][1]
    assert "is not valid: dimension: Extra inputs are not permitted" in values["typo"][2]
    assert not values["empty_dimension"][1]
    assert "dimension 'FunctionName' has an empty value" in values["empty_dimension"][2]


def test_metric_math_names_its_metrics_and_gets_their_value(
    cloudwatch: Any, calls: list[dict[str, Any]]
) -> None:
    for value, minute in ((2.0, 1), (3.0, 6)):
        put(cloudwatch, "Errors", "carts-dev", value, BASE + timedelta(minutes=minute))
    errors = {
        "namespace": "AWS/Lambda",
        "metric": "Errors",
        "dimensions": {"FunctionName": "$SERVICE-$STAGE"},
        "stat": "Sum",
    }
    invocations = {**errors, "metric": "Invocations"}
    queries: dict[str, object] = {
        "errors": {"expression": "errors", "metrics": {"errors": errors}},
        "error_rate": {
            "expression": "100 * errors / invocations",
            "metrics": {"errors": errors, "invocations": invocations},
        },
    }

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert by_metric(values)["errors"] == (5.0, True, "")
    sent = {query["Id"]: query for query in calls[0]["MetricDataQueries"]}
    assert sent["sli1"]["Expression"] == "100 * sli1_errors / sli1_invocations"
    assert sent["sli1"]["ReturnData"] is True
    assert sent["sli1_errors"]["ReturnData"] is False
    assert sent["sli1_invocations"]["MetricStat"]["Metric"] == {
        "Namespace": "AWS/Lambda",
        "MetricName": "Invocations",
        "Dimensions": [{"Name": "FunctionName", "Value": "carts-dev"}],
    }
    assert len(calls) == 1


def test_the_example_metrics_insights_queries_are_rendered_and_sent_one_per_call(
    cloudwatch: Any, calls: list[dict[str, Any]]
) -> None:
    # CloudWatch allows one Metrics Insights query per GetMetricData call.
    sli_file = SliFile.model_validate(
        yaml.safe_load((EXAMPLES / "quality-gates" / "sli.yaml").read_text())
    )
    for value, minute in ((1.0, 2), (4.0, 8)):
        put(cloudwatch, "Errors", "carts-dev", value, BASE + timedelta(minutes=minute))

    values = provider(cloudwatch).get_sli_values(sli_request("error_rate"), sli_file.indicators)

    assert by_metric(values) == {"error_rate": (5.0, True, "")}
    [query] = calls[0]["MetricDataQueries"]
    assert query["Expression"] == (
        'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) '
        "WHERE FunctionName = 'carts-dev'"
    )
    assert query["Period"] == 600

    names = list(sli_file.indicators)
    provider(cloudwatch).get_sli_values(sli_request(*names), sli_file.indicators)
    assert [len(call["MetricDataQueries"]) for call in calls[1:]] == [1] * len(names)


@pytest.mark.usefixtures("durations")
def test_a_query_cloudwatch_refuses_fails_alone(
    cloudwatch: Any, calls: list[dict[str, Any]]
) -> None:
    # moto does not check expressions; answer as CloudWatch does for one it cannot parse
    # (botocore speaks CloudWatch's JSON protocol).
    def refuse_bad_expressions(request: Any, **_: Any) -> Any:
        if b"BAD(" not in (request.body or b""):
            return None
        body = (
            b'{"__type": "ValidationError", '
            b'"message": "Error in expression sli1: Unknown function BAD"}'
        )

        class Raw:
            def stream(self, **_: Any) -> Iterator[bytes]:
                yield body

        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, Raw())

    cloudwatch.meta.events.register("before-send.cloudwatch.GetMetricData", refuse_bad_expressions)
    queries = {"duration": DURATION.format(stat="Sum"), "broken": "BAD(1)"}

    values = provider(cloudwatch).get_sli_values(sli_request(*queries), queries)

    assert by_metric(values) == {
        "duration": (900.0, True, ""),
        "broken": (
            0.0,
            False,
            "CloudWatch refused the query for broken: ValidationError: "
            "Error in expression sli1: Unknown function BAD",
        ),
    }
    assert len(calls) == 3  # the batch, then each SLI alone


def test_an_unreachable_cloudwatch_raises_dependency_failure() -> None:
    client = boto3.client(
        "cloudwatch",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    queries = {"duration": DURATION.format(stat="Sum")}

    with pytest.raises(DependencyFailure, match="CloudWatch could not be reached"):
        provider(client).get_sli_values(sli_request("duration"), queries)
