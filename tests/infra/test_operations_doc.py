"""docs/operations.md states figures of the definition: the counts an idle installation is
priced from (alarms, the dashboard's metrics, queue mappings, no schedule, log groups, queues,
functions, tables), the idle cost with and without the free tiers, the concurrency the functions
reserve, and the logical ids of every rule and function; they are the template's, and the
README's idle cost is the document's."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from infra.definition import build_template, function_names
from infra.handlers import HANDLERS
from infra.monitoring import dead_letter_queues
from infra.policies import API_SETTINGS

ROOT = Path(__file__).parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
README = ROOT / "README.md"

# The list prices and the polling assumptions the document states (What it costs idle).
ALARM_MONTH = 0.10
DASHBOARD_MONTH = 3.00
SQS_PER_MILLION = 0.40
POLLERS, RECEIVES_PER_MINUTE, MINUTES_PER_MONTH = 5, 3, 43_200
FREE_ALARMS, FREE_REQUESTS = 10, 1_000_000


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


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


def _about(amount: float) -> str:
    """The document rounds a total to ten cents: "about $7.30"."""
    return f"about {_money(round(amount, 1))}"


def _idle_figures() -> dict[str, Any]:
    types = Counter(resource.get("Type") for resource in _resources().values())
    alarms = types["AWS::CloudWatch::Alarm"]
    requests = (
        types["AWS::Lambda::EventSourceMapping"] * POLLERS * RECEIVES_PER_MINUTE * MINUTES_PER_MONTH
    )
    polling = requests * SQS_PER_MILLION / 1_000_000
    billed = max(0, requests - FREE_REQUESTS)
    return {
        "types": types,
        "alarms": alarms,
        "alarm_cost": alarms * ALARM_MONTH,
        "requests": requests,
        "polling": polling,
        "billed": billed,
        "billed_cost": billed * SQS_PER_MILLION / 1_000_000,
        "idle": alarms * ALARM_MONTH + DASHBOARD_MONTH + polling,
    }


def test_what_the_alarms_watch_adds_up_to_the_templates_alarms() -> None:
    figures = _idle_figures()
    queues, functions = len(dead_letter_queues("prod")), len(function_names())
    assert figures["alarms"] == queues + functions + 2  # + timed-out sequences, failed executions
    said = (
        f"{figures['alarms']}: {queues} dead-letter and on-failure queues, {functions} "
        "functions' `Errors`"
    )
    assert said in _idle_table()
    text = OPERATIONS.read_text()
    observability = text[text.index("## Observability") : text.index("## Cost")]
    assert f"**Alarms**, {figures['alarms']} in all" in observability
    assert f"each dead-letter and on-failure queue ({queues})" in observability
    assert f"function's `Errors` ({functions})" in observability


def test_the_resources_free_at_rest_are_counted_from_the_template() -> None:
    types = _idle_figures()["types"]
    table = _idle_table()
    assert f"{types['AWS::Logs::LogGroup']} log groups, 30 days' retention" in table
    queues, functions = types["AWS::SQS::Queue"], len(function_names())
    assert f"{queues} queues, 1 bus, {functions} functions, 1 REST API" in table
    assert f"on for all {types['AWS::DynamoDB::Table']} tables" in table


def test_the_idle_cost_is_the_sum_of_its_parts_everywhere_it_is_stated() -> None:
    figures = _idle_figures()
    table = _idle_table()
    assert f"**{_money(figures['polling'])}** (see below)" in table
    total = f"**An idle installation of one stage costs {_about(figures['idle'])} a month**"
    assert total in table
    parts = f"({_money(figures['alarm_cost'])} + {_money(DASHBOARD_MONTH)} + "
    assert parts + f"{_money(figures['polling'])}, plus" in table
    bare = _money(round(figures["polling"], 1))  # --no-alarms --no-dashboard: the polling
    assert f"or about **{bare} a month** with" in table
    opening = OPERATIONS.read_text().split("## ", 1)[0]
    assert f"an idle stage costs {_about(figures['idle'])} a month" in opening
    readme = " ".join(README.read_text().split())
    assert (
        f"An idle stage costs {_about(figures['idle'])} a month, mostly its "
        f"{figures['alarms']} alarms and its dashboard"
    ) in readme


def test_the_polling_arithmetic_is_the_templates() -> None:
    figures = _idle_figures()
    table = _idle_table()
    mappings = figures["types"]["AWS::Lambda::EventSourceMapping"]
    per_mapping = POLLERS * RECEIVES_PER_MINUTE * MINUTES_PER_MONTH
    assert f"= {per_mapping:,} requests per mapping" in table
    assert f"{mappings} mappings" in table
    assert f"= {figures['requests']:,} requests a month" in table
    assert f"{figures['requests']:,} x $0.40 / 1,000,000" in table
    assert f"= {_money(figures['polling'])} a month" in table
    billed = f"{figures['billed']:,} billed, {_money(figures['billed_cost'])})"
    assert billed in table


def test_the_free_tier_figures_are_the_templates() -> None:
    figures = _idle_figures()
    beyond = figures["alarms"] - FREE_ALARMS
    within = beyond * ALARM_MONTH + figures["billed_cost"]
    table = " ".join(_idle_table().split())
    assert f"it is {_about(within)} (the {beyond} alarms beyond the free {FREE_ALARMS}: " in table
    assert f"{_money(beyond * ALARM_MONTH)}; the polling beyond the free million: " in table
    assert f"free million: {_money(figures['billed_cost'])})" in table
    body = _resources()["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    metrics = sum(len(widget["properties"]["metrics"]) for widget in json.loads(body)["widgets"])
    assert f"(this one has {metrics})" in table
