"""A project that asks several SLI providers (`sli_provider+=prometheus,neoload`), on moto: each
SLI goes to the first provider whose own sli.yaml defines it, each provider gets a get-sli
request with only its SLIs, and the evaluation scores all the answers together; a provider's
failure fails it naming the provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from chalicelib.domain.events import format_time
from tests.integration.test_lighthouse import SLO, Gate
from tests.integration.test_lighthouse import gate as gate  # a fixture

CLOUDWATCH_LATENCY = """\
indicators:
  response_time_p95: '{"namespace": "Shop", "metric": "Latency", "stat": "Maximum",
    "dimensions": {"Service": "$SERVICE-$STAGE"}}'
"""
NEOLOAD_SLI = "indicators:\n  throughput: 'sum(requests)'\n"


def requests(gate: Gate, context: str, count: int) -> dict[str, dict[str, Any]]:
    """The get-sli.triggered events, by provider, once `count` are out."""
    found = gate.flow.pump(
        lambda: (
            len(gate.of_type(context, "get-sli.triggered")) >= count
            and gate.of_type(context, "get-sli.triggered")
        )
    )
    return {event["data"]["get-sli"]["sliProvider"]: event for event in found}


def latency_in_window() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=10)
    boto3.client("cloudwatch").put_metric_data(
        Namespace="Shop",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Service", "Value": "cart-dev"}],
                "Timestamp": start + timedelta(minutes=3),
                "Value": 450.0,
            }
        ],
    )
    return start, end


def test_each_provider_measures_its_slis_and_the_gate_scores_them_together(gate: Gate) -> None:
    gate.upload("slo.yaml", SLO)
    gate.upload("cloudwatch/sli.yaml", CLOUDWATCH_LATENCY)
    gate.upload("neoload/sli.yaml", NEOLOAD_SLI)
    status, settings = gate.monitoring(provider="cloudwatch", also=["neoload"])
    assert (status, settings) == (200, {"provider": "cloudwatch", "also": ["neoload"]})
    start, end = latency_in_window()

    context = gate.evaluate(start=format_time(start), end=format_time(end))
    asked = requests(gate, context, 2)
    assert {p: r["data"]["get-sli"]["indicators"] for p, r in asked.items()} == {
        "cloudwatch": ["response_time_p95"],
        "neoload": ["throughput"],
    }
    gate.flow.settle(0.5)  # the built-in cloudwatch provider answers; the gate waits for neoload
    assert gate.of_type(context, "evaluation.finished") == []
    request = asked["neoload"]
    gate.answer_sli(request, {"throughput": 20.0})
    gate.answer_sli(request, {"throughput": 20.0})  # a redelivered answer changes nothing

    finished = gate.wait(context, "evaluation.finished")
    data = finished["data"]
    values = {
        result["value"]["metric"]: result["value"]["value"]
        for result in data["evaluation"]["indicatorResults"]
    }
    assert values == {"response_time_p95": 450.0, "throughput": 20.0}
    assert (data["result"], data["status"], data["evaluation"]["score"]) == (
        "pass",
        "succeeded",
        100,
    )
    assert len(gate.of_type(context, "evaluation.finished")) == 1
    assert len(gate.history()) == 1


def test_a_failing_provider_fails_the_evaluation_naming_it(gate: Gate) -> None:
    gate.upload("slo.yaml", SLO)
    gate.upload("neoload/sli.yaml", NEOLOAD_SLI)
    assert gate.monitoring(provider="my-provider", also=["neoload"])[0] == 200

    context = gate.evaluate()
    asked = requests(gate, context, 2)
    assert asked["my-provider"]["data"]["get-sli"]["indicators"] == ["response_time_p95"]
    gate.answer_sli(
        asked["neoload"], {"throughput": None}, status="errored", result="fail", message="down"
    )
    gate.answer_sli(asked["my-provider"], {"response_time_p95": 100.0})

    data = gate.wait(context, "evaluation.finished")["data"]
    assert (data["status"], data["result"]) == ("errored", "fail")
    assert "SLI provider neoload: down" in data["message"]


def test_with_every_sli_in_the_main_providers_file_one_request_goes_out(gate: Gate) -> None:
    gate.upload("slo.yaml", SLO)
    assert gate.monitoring(provider="my-provider", also=["neoload"])[0] == 200

    context = gate.evaluate()
    request = gate.wait(context, "get-sli.triggered")
    gate.answer_sli(request, {"response_time_p95": 100.0, "throughput": 1.0})

    data = gate.wait(context, "evaluation.finished")["data"]
    assert data["result"] == "pass"
    assert [
        e["data"]["get-sli"]["sliProvider"] for e in gate.of_type(context, "get-sli.triggered")
    ] == ["my-provider"]


def test_several_providers_are_checked_and_keptns_configure_keeps_the_others(gate: Gate) -> None:
    status, answer = gate.monitoring(provider="neoload", also=["neoload"])
    assert status == 400
    assert "leave it out of also" in answer["message"]
    assert gate.monitoring(provider="cloudwatch", also=["prometheus"])[0] == 400  # no URL
    assert gate.monitoring(provider="cloudwatch", also=["neoload", "dynatrace"])[0] == 200
    event = {
        "specversion": "1.0",
        "source": "keptn-cli",
        "type": "sh.keptn.event.monitoring.configure",
        "data": {"project": "shop", "service": "cart", "type": "dynatrace"},
    }
    assert gate.api.call("POST", "/v1/event", event)[0] == 200
    found = gate.flow.pump(
        lambda: (
            (settings := gate.api.call("GET", "/v1/project/shop/monitoring")[1])["provider"]
            == "dynatrace"
            and settings
        )
    )
    assert found == {"provider": "dynatrace", "also": ["neoload"]}
