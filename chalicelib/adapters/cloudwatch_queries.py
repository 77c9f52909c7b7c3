"""How an SLI's query text becomes GetMetricData requests: the query parsed into a spec, the
MetricDataQueries that measure it, the window they cover and the calls they are batched into.

An SLI's query in `sli.yaml` is one of:

* a metric (YAML mapping, or text holding one): `namespace`, `metric`, `dimensions`, `stat`
  (`Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, `p95`, ...), optional `period`;
* metric math over named metrics: `expression` plus `metrics: {id: {namespace, metric, ...}}`;
* an expression as text: a Metrics Insights query (`SELECT ...`) or metric math that needs no
  other query (`SUM(SEARCH('...', 'Sum', 300))`).

Each SLI gets one value for the whole window: by default its period is the window itself, so
CloudWatch returns a single datapoint. A metric with its own shorter `period` gets one datapoint
per period, reduced to one value by the statistic's own rule (mean of the Averages, sum of the
Sums and SampleCounts, max of the Maximums, min of the Minimums); percentiles and other
statistics cannot be combined that way, so they refuse a `period`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.domain import bounded_yaml
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.engine.lighthouse.models import IndicatorValue

MAX_QUERIES_PER_CALL = 500  # GetMetricData's limit on MetricDataQueries
_SMALL_PERIODS = (1, 5, 10, 20, 30)  # high-resolution periods; others are multiples of 60
_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "Average": fmean,
    "Sum": math.fsum,
    "SampleCount": math.fsum,
    "Maximum": max,
    "Minimum": min,
}
_METRIC_ID = re.compile(r"[a-z][A-Za-z0-9_]*")
# Strings in an expression are SEARCH terms or labels, never metric ids: skip them.
_EXPRESSION_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\b[a-z][A-Za-z0-9_]*\b")


class _MetricStatSpec(BaseModel):
    """One metric and statistic; its period is the window's."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    namespace: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str = Field(min_length=1)

    @field_validator("dimensions")
    @classmethod
    def _no_empty_dimension(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not name or not text:
                raise ValueError(
                    f"dimension {name!r} has an empty {'name' if not name else 'value'} (after "
                    "placeholders were filled in; is $DEPLOYMENT or a $LABEL empty?)"
                )
        return value


class _MetricSpec(_MetricStatSpec):
    """A metric SLI: a metric and statistic, with an optional period of its own."""

    period: int | None = None

    @field_validator("period")
    @classmethod
    def _valid_period(cls, value: int | None) -> int | None:
        if value is not None and value not in _SMALL_PERIODS and (value <= 0 or value % 60):
            raise ValueError(
                f"period must be 1, 5, 10, 20, 30 or a multiple of 60 seconds, not {value}"
            )
        return value


class _ExpressionSpec(BaseModel):
    """Metric math over named metrics (or a lone expression with no `metrics`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expression: str = Field(min_length=1)
    metrics: dict[str, _MetricStatSpec] = Field(default_factory=dict)

    @field_validator("metrics")
    @classmethod
    def _valid_ids(cls, value: dict[str, _MetricStatSpec]) -> dict[str, _MetricStatSpec]:
        for name in value:
            if _METRIC_ID.fullmatch(name) is None:
                raise ValueError(
                    f"metric name {name!r} must start with a lowercase letter and contain only "
                    "letters, digits and _ (it is the name the expression uses)"
                )
        return value


@dataclass(frozen=True)
class Window:
    """StartTime, EndTime and the period that makes the whole window one datapoint."""

    start: datetime
    end: datetime
    period: int


@dataclass
class Plan:
    """The MetricDataQueries of one SLI; the last one is the SLI's own (its `Id` is `sli<i>`)."""

    index: int
    name: str
    queries: list[dict[str, Any]]
    reduce: Callable[[list[float]], float] | None = None
    insights: bool = False

    @property
    def id(self) -> str:
        return self.queries[-1]["Id"]  # type: ignore[no-any-return]


def plan_window(start: datetime, end: datetime, now: datetime) -> Window:
    """The window as CloudWatch will see it, with a period covering it in one datapoint.

    CloudWatch rounds StartTime down (to the minute within 15 days, to 5 minutes within 63
    days, to the hour beyond) and stores older data only at those resolutions; the period is
    rounded up to the same unit so the window never spills into a second datapoint.
    """
    age = now - start
    unit = 60 if age < timedelta(days=15) else 300 if age < timedelta(days=63) else 3600
    start_seconds = math.floor(start.timestamp() / unit) * unit
    aligned_start = datetime.fromtimestamp(start_seconds, UTC)
    span = (end - aligned_start).total_seconds()
    period = max(unit, math.ceil(span / unit) * unit)
    return Window(start=aligned_start, end=end, period=period)


def plan_sli(
    index: int, name: str, query: object, request: SliRequest, window: Window
) -> Plan | IndicatorValue:
    """The queries that measure one SLI, or the reason it cannot be measured."""
    try:
        spec = _parse(query)
    except bounded_yaml.DocumentRefused as error:
        return failed_value(
            name, f"the CloudWatch query of SLI '{name}' is not valid: {error.problem}"
        )
    if spec is None:
        return failed_value(
            name,
            f"no query for SLI '{name}' in sli.yaml; add one under 'indicators' (a metric with "
            "namespace, metric, dimensions and stat, or an expression)",
        )
    sli_id = f"sli{index}"
    if isinstance(spec, str):
        expression = request.render(spec)
        insights = expression.lstrip().upper().startswith("SELECT")
        query_entry: dict[str, Any] = {"Id": sli_id, "Expression": expression, "ReturnData": True}
        if insights:
            # A Metrics Insights query aggregates over its Period; a math expression takes the
            # period of the metrics it uses (or of its SEARCH) instead.
            query_entry["Period"] = window.period
        return Plan(index, name, [query_entry], insights=insights)
    rendered = _render_tree(spec, request)
    try:
        if "expression" in rendered:
            math_spec = _ExpressionSpec.model_validate(rendered)
            return _expression_plan(index, name, sli_id, math_spec, window)
        return _metric_plan(index, name, sli_id, _MetricSpec.model_validate(rendered), window)
    except ValidationError as error:
        return failed_value(
            name, f"the CloudWatch query of SLI '{name}' is not valid: {_why(error)}"
        )


def _metric_plan(
    index: int, name: str, sli_id: str, spec: _MetricSpec, window: Window
) -> Plan | IndicatorValue:
    reduce = None
    if spec.period is not None:
        reduce = _REDUCERS.get(spec.stat)
        if reduce is None:
            return failed_value(
                name,
                f"the CloudWatch query of SLI '{name}' sets period {spec.period} with stat "
                f"{spec.stat}: per-period values of {spec.stat} cannot be combined into one "
                "value for the window; remove 'period' (the whole window is then one period) "
                f"or use one of {', '.join(_REDUCERS)}",
            )
    query_entry = {
        "Id": sli_id,
        "MetricStat": _metric_stat(spec, spec.period or window.period),
        "ReturnData": True,
    }
    return Plan(index, name, [query_entry], reduce=reduce)


def _expression_plan(
    index: int, name: str, sli_id: str, spec: _ExpressionSpec, window: Window
) -> Plan:
    # Ids must be unique in the whole call: prefix the expression's metric names with the SLI's.
    ids = {metric: f"{sli_id}_{metric}" for metric in spec.metrics}
    expression = _EXPRESSION_TOKEN.sub(
        lambda match: ids.get(match.group(0), match.group(0)), spec.expression
    )
    queries: list[dict[str, Any]] = [
        {"Id": ids[metric], "MetricStat": _metric_stat(stat, window.period), "ReturnData": False}
        for metric, stat in spec.metrics.items()
    ]
    insights = expression.lstrip().upper().startswith("SELECT")
    own: dict[str, Any] = {"Id": sli_id, "Expression": expression, "ReturnData": True}
    if insights:
        own["Period"] = window.period
    queries.append(own)
    return Plan(index, name, queries, insights=insights)


def _metric_stat(spec: _MetricStatSpec, period: int) -> dict[str, Any]:
    return {
        "Metric": {
            "Namespace": spec.namespace,
            "MetricName": spec.metric,
            "Dimensions": [{"Name": key, "Value": value} for key, value in spec.dimensions.items()],
        },
        "Period": period,
        "Stat": spec.stat,
    }


def _parse(query: object) -> str | Mapping[str, Any] | None:
    """The query as an expression (text) or a mapping; None when there is none."""
    if isinstance(query, Mapping):
        return query
    if not isinstance(query, str) or not query.strip():
        return None
    # sli.yaml's `indicators` holds text, so a mapping may arrive as YAML or JSON text
    # (a `|` block or `{...}`); any other text is an expression. The bounded loader keeps a
    # deeply nested or alias-expanding query from exhausting the SLI provider.
    try:
        loaded = bounded_yaml.safe_load(query)
    except bounded_yaml.DocumentRefused:
        raise
    except yaml.YAMLError:
        return query
    return loaded if isinstance(loaded, Mapping) else query


def _render_tree(value: Any, request: SliRequest) -> Any:
    """Placeholders filled in every string of a parsed query (keys included)."""
    if isinstance(value, str):
        return request.render(value)
    if isinstance(value, Mapping):
        return {
            _render_tree(key, request): _render_tree(item, request) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_render_tree(item, request) for item in value]
    return value


def batches(plans: list[Plan]) -> Iterator[list[Plan]]:
    """As few GetMetricData calls as the API allows: at most 500 queries per call, and at most
    one Metrics Insights query per call (CloudWatch's rule)."""
    batch: list[Plan] = []
    size = 0
    has_insights = False
    for plan in plans:
        full = size + len(plan.queries) > MAX_QUERIES_PER_CALL
        if batch and (full or (plan.insights and has_insights)):
            yield batch
            batch, size, has_insights = [], 0, False
        batch.append(plan)
        size += len(plan.queries)
        has_insights = has_insights or plan.insights
    if batch:
        yield batch


def _why(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def failed_value(name: str, message: str) -> IndicatorValue:
    """The value of an SLI that could not be measured, and why."""
    return IndicatorValue(metric=name, value=0.0, success=False, message=message)
