"""SLI provider on CloudWatch: the SLIs of a request measured with batched GetMetricData calls.

What an SLI's query may be, and how it becomes MetricDataQueries, is in `cloudwatch_queries`;
this module makes the calls, handles CloudWatch's errors and reads one value per SLI from the
results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.cloudwatch_queries import (
    MAX_QUERIES_PER_CALL,
    Plan,
    Window,
    batches,
    failed_value,
    plan_sli,
    plan_window,
)
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.engine.lighthouse.models import IndicatorValue
from chalicelib.errors import DependencyFailure

# The call-size limit stays importable from the provider, the module callers know.
__all__ = ["MAX_QUERIES_PER_CALL", "CloudWatchSliProvider"]

# CloudWatch's answers that mean "try again later" rather than "this query is wrong".
_UNAVAILABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "InternalServiceError",
        "InternalFailure",
        "ServiceUnavailable",
    }
)
# The answers that name one bad query in a batch: each SLI is then asked for alone.
_INVALID_QUERY_CODES = frozenset(
    {
        "ValidationError",
        "InvalidParameterValue",
        "InvalidParameterCombination",
        "MissingParameter",
    }
)


@dataclass
class _Series:
    """What GetMetricData returned for one Id: values per series label, status and messages."""

    values: dict[str, list[float]] = field(default_factory=dict)
    statuses: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CloudWatchSliProvider:
    """Answers get-sli from CloudWatch metrics, one value per SLI over the evaluation window."""

    def __init__(
        self,
        cloudwatch_client_factory: Callable[[], Any],
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        # A factory, not a client: the client is created on the first request, never at import
        # or construction time.
        self._client_factory = cloudwatch_client_factory
        self._client: Any = None
        self._clock = clock

    def close(self) -> None:
        """Nothing to release: the CloudWatch client is the process's own."""

    def get_sli_values(
        self, request: SliRequest, queries: Mapping[str, object]
    ) -> list[IndicatorValue]:
        """One value per requested SLI, in the order of `request.indicators`."""
        window = plan_window(request.start, request.end, self._clock())
        values: dict[int, IndicatorValue] = {}
        plans: list[Plan] = []
        for index, name in enumerate(request.indicators):
            planned = plan_sli(index, name, queries.get(name), request, window)
            if isinstance(planned, IndicatorValue):
                values[index] = planned
            else:
                plans.append(planned)
        for batch in batches(plans):
            values.update(self._measure(batch, window))
        return [values[index] for index in range(len(request.indicators))]

    def _cloudwatch(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def _measure(self, batch: list[Plan], window: Window) -> dict[int, IndicatorValue]:
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            series = self._fetch(batch, window)
        except ParamValidationError as error:
            # botocore's own check of the request (an empty value, ...): a query is wrong.
            return self._refused(batch, window, str(error), isolate=True)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = str(details.get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in _UNAVAILABLE_CODES or status >= 500:
                raise DependencyFailure(
                    f"CloudWatch GetMetricData failed ({code}: {details.get('Message')}); "
                    "trying again may succeed"
                ) from error
            reason = f"{code}: {details.get('Message')}"
            if "AccessDenied" in code:
                reason += "; allow cloudwatch:GetMetricData to Quartermaster's role"
            return self._refused(batch, window, reason, isolate=code in _INVALID_QUERY_CODES)
        except BotoCoreError as error:
            raise DependencyFailure(
                f"CloudWatch could not be reached for GetMetricData ({error}); "
                "trying again may succeed"
            ) from error
        return {plan.index: _read(plan, series.get(plan.id, _Series())) for plan in batch}

    def _refused(
        self, batch: list[Plan], window: Window, reason: str, *, isolate: bool
    ) -> dict[int, IndicatorValue]:
        """Values for a batch CloudWatch refused as a whole."""
        if isolate and len(batch) > 1:
            # One bad query fails the whole call: ask for each SLI alone, so that only the
            # bad one fails and the others still get their values.
            isolated: dict[int, IndicatorValue] = {}
            for plan in batch:
                isolated.update(self._measure([plan], window))
            return isolated
        return {
            plan.index: failed_value(
                plan.name, f"CloudWatch refused the query for {plan.name}: {reason}"
            )
            for plan in batch
        }

    def _fetch(self, batch: list[Plan], window: Window) -> dict[str, _Series]:
        """Every page of one GetMetricData call, gathered per query Id and series label."""
        client = self._cloudwatch()
        arguments: dict[str, Any] = {
            "MetricDataQueries": [query for plan in batch for query in plan.queries],
            "StartTime": window.start,
            "EndTime": window.end,
        }
        series: dict[str, _Series] = {}
        while True:
            response = client.get_metric_data(**arguments)
            for result in response.get("MetricDataResults", []):
                entry = series.setdefault(result["Id"], _Series())
                label = str(result.get("Label") or "")
                entry.values.setdefault(label, []).extend(
                    float(value) for value in result.get("Values", [])
                )
                entry.statuses.add(str(result.get("StatusCode") or "Complete"))
                entry.messages.extend(
                    str(message.get("Value") or message.get("Code") or "")
                    for message in result.get("Messages") or []
                )
            token = response.get("NextToken")
            if not token:
                return series
            arguments["NextToken"] = token


def _read(plan: Plan, series: _Series) -> IndicatorValue:
    """One value for the window from what GetMetricData returned for the SLI's Id."""
    name = plan.name
    broken = series.statuses & {"InternalError", "Forbidden"}
    if broken:
        reason = "; ".join(message for message in series.messages if message)
        return failed_value(
            name,
            f"CloudWatch could not compute {name}: {', '.join(sorted(broken))}"
            f"{f': {reason}' if reason else ''}",
        )
    with_data = {label: values for label, values in series.values.items() if values}
    if not with_data:
        return failed_value(name, f"no data for {name} in the evaluation window")
    if len(with_data) > 1:
        labels = ", ".join(sorted(with_data)[:3])
        return failed_value(
            name,
            f"the query for {name} returned {len(with_data)} series ({labels}); an SLI query "
            "must return one series: aggregate it, e.g. SUM(SEARCH(...)) or a Metrics Insights "
            "query without GROUP BY",
        )
    values = next(iter(with_data.values()))
    if len(values) == 1:
        return IndicatorValue(metric=name, value=values[0], success=True)
    if plan.reduce is None:
        return failed_value(
            name,
            f"the query for {name} returned {len(values)} datapoints in the window where one "
            "was expected; make the expression cover the whole window (e.g. a SEARCH period "
            "at least as long as the window)",
        )
    return IndicatorValue(metric=name, value=plan.reduce(values), success=True)
