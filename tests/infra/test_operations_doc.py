"""docs/operations.md states figures of the definition: the counts an idle installation is
priced from (alarms, the dashboard's metrics, queue mappings, no schedule), the concurrency the
functions reserve, and the logical ids of every rule and function; they are the template's."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from infra.definition import build_template
from infra.handlers import HANDLERS
from infra.policies import API_SETTINGS

OPERATIONS = Path(__file__).parents[2] / "docs" / "operations.md"


def _idle_table() -> str:
    text = OPERATIONS.read_text()
    start = text.index("### What it costs idle")
    return text[start : text.index("### ", start + 4)]


def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = build_template("prod", "lambda")["Resources"]
    return resources


def test_the_counts_the_idle_cost_is_computed_from_are_the_templates() -> None:
    resources = _resources()
    types = Counter(resource.get("Type") for resource in resources.values())
    table = _idle_table()
    alarms = re.search(r"\| CloudWatch alarms \(standard resolution\) \| (\d+):", table)
    assert alarms is not None
    assert int(alarms.group(1)) == types["AWS::CloudWatch::Alarm"]
    assert f"${types['AWS::CloudWatch::Alarm'] * 0.10:.2f}" in table
    mappings = re.search(r"\| (\d+) mappings", table)
    assert mappings is not None
    assert int(mappings.group(1)) == types["AWS::Lambda::EventSourceMapping"]
    schedules = [r for r in resources.values() if "ScheduleExpression" in r.get("Properties", {})]
    assert schedules == []
    assert "| schedules | none:" in table
    assert f"{types['AWS::DynamoDB::Table']} tables" in table


def test_the_dashboard_metric_count_is_the_templates() -> None:
    body = _resources()["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    metrics = sum(len(widget["properties"]["metrics"]) for widget in json.loads(body)["widgets"])
    assert f"1, with {metrics} metrics" in _idle_table()


def test_every_mapping_sets_a_maximum_concurrency_as_the_polling_estimate_assumes() -> None:
    mappings = [
        resource
        for resource in _resources().values()
        if resource.get("Type") == "AWS::Lambda::EventSourceMapping"
    ]
    assert mappings
    for mapping in mappings:
        assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] >= 2


def test_the_reserved_concurrency_and_the_quota_it_needs_are_the_definitions() -> None:
    reserved = API_SETTINGS.reserved_concurrency + sum(s.reserved_concurrency for s in HANDLERS)
    text = OPERATIONS.read_text()
    assert f"the functions reserve {reserved} concurrent executions in all" in text
    assert f"must be at least {reserved + 100}." in text  # Lambda keeps 100 unreserved


def test_the_resource_table_names_every_rule_and_function() -> None:
    text = OPERATIONS.read_text()
    table = text[text.index("## What each resource is for") :]
    for key, resource in _resources().items():
        if resource.get("Type") == "AWS::Events::Rule" or "Type" not in resource:
            assert f"`{key}`" in table, key
