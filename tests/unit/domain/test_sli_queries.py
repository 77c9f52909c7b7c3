"""Placeholders of SLI queries, filled in from a get-sli request as Keptn's SLI providers do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.sli_queries import SliRequest, parse_keptn_time, render_placeholders


def request(**overrides: Any) -> SliRequest:
    fields: dict[str, Any] = {
        "project": "sockshop",
        "stage": "dev",
        "service": "carts",
        "deployment": "canary",
        "labels": {"team": "payments", "buildId": "42"},
        "start": "2024-01-01T10:00:00.000Z",
        "end": "2024-01-01T10:10:00.000Z",
        "indicators": ["throughput"],
    }
    fields.update(overrides)
    return SliRequest.model_validate(fields)


def test_fills_in_project_stage_service_and_deployment() -> None:
    query = 'sum(rate(http_requests_total{job="$SERVICE-$PROJECT-$STAGE",track="$DEPLOYMENT"}[5m]))'

    assert request().render(query) == (
        'sum(rate(http_requests_total{job="carts-sockshop-dev",track="canary"}[5m]))'
    )


def test_duration_seconds_is_the_window_length_followed_by_s() -> None:
    query = "rate(http_requests_total[$DURATION_SECONDS])"

    assert request().render(query) == "rate(http_requests_total[600s])"
    assert request(end="2024-01-01T11:30:00Z").render(query) == "rate(http_requests_total[5400s])"


def test_duration_seconds_rounds_a_partial_second_up() -> None:
    # Keptn's prometheus-service takes math.Ceil of the window's seconds.
    shifted = request(start="2024-01-01T10:00:00.000Z", end="2024-01-01T10:05:00.250Z")

    assert shifted.duration_seconds == 301
    assert shifted.render("[$DURATION_SECONDS]") == "[301s]"


def test_labels_are_placeholders_under_their_own_name() -> None:
    query = "errors{team='$LABEL.team',build='$LABEL.buildId'}"

    assert request().render(query) == "errors{team='payments',build='42'}"


def test_a_label_whose_name_extends_another_is_not_cut_short() -> None:
    labelled = request(labels={"app": "shop", "appVersion": "1.2.3"})

    assert labelled.render("$LABEL.appVersion/$LABEL.app") == "1.2.3/shop"


def test_custom_filters_are_placeholders_as_given_and_in_capitals() -> None:
    filtered = request(custom_filters=[{"key": "handler", "value": "ItemsController.addToCart"}])

    assert filtered.render('{handler="$handler"} {h="$HANDLER"}') == (
        '{handler="ItemsController.addToCart"} {h="ItemsController.addToCart"}'
    )


def test_custom_filter_values_lose_their_quotes_so_they_cannot_break_out_of_a_query() -> None:
    filtered = request(custom_filters=[{"key": "handler", "value": "x\"} or vector(1) or {a='"}])

    assert filtered.render('{handler="$HANDLER"}') == '{handler="x} or vector(1) or {a="}'


def test_a_custom_filter_named_like_a_builtin_placeholder_wins_as_in_keptn() -> None:
    filtered = request(custom_filters=[{"key": "service", "value": "carts-primary"}])

    assert filtered.render("$SERVICE") == "carts-primary"


def test_the_longest_placeholder_wins_over_a_shorter_one_it_starts_with() -> None:
    filtered = request(custom_filters=[{"key": "duration", "value": "X"}])

    assert filtered.render("[$DURATION_SECONDS] $DURATION") == "[600s] X"


def test_unknown_placeholders_stay_as_they_are() -> None:
    query = "x{a='$NAMESPACE',b='$LABEL.missing',c='$'}"

    assert request().render(query) == query


def test_placeholders_are_found_inside_words_as_keptn_finds_them() -> None:
    assert request().render("$SERVICEapi-$STAGE") == "cartsapi-dev"


def test_replaced_text_is_not_scanned_again() -> None:
    sneaky = request(labels={"who": "$STAGE"})

    assert sneaky.render("$LABEL.who $STAGE") == "$STAGE dev"


def test_missing_deployment_renders_as_empty_text() -> None:
    assert request(deployment="").render("track=$DEPLOYMENT") == "track="


def test_render_placeholders_uses_only_the_given_names() -> None:
    assert render_placeholders("$A $AB $B", {"$A": "1", "$AB": "2"}) == "1 2 $B"


def test_reads_a_get_sli_triggered_event() -> None:
    data = {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "labels": {"buildId": "7"},
        "deployment": "primary",
        "get-sli": {
            "sliProvider": "prometheus",
            "start": "2024-01-01T10:00:00.000Z",
            "end": "2024-01-01T10:05:00.000Z",
            "indicators": ["response_time_p95", "error_rate"],
            "customFilters": [{"key": "handler", "value": "ItemsController.addToCart"}],
        },
    }

    parsed = SliRequest.from_get_sli_triggered(data)

    assert parsed.indicators == ["response_time_p95", "error_rate"]
    assert parsed.render("$SERVICE-$PROJECT-$STAGE $DEPLOYMENT $LABEL.buildId $HANDLER") == (
        "carts-sockshop-staging primary 7 ItemsController.addToCart"
    )
    assert parsed.render("$DURATION_SECONDS") == "300s"


def test_an_slo_filter_mapping_is_accepted_as_custom_filters() -> None:
    filtered = request(custom_filters={"handler": "ItemsController.addToCart", "code": 200})

    assert filtered.render("$HANDLER $CODE") == "ItemsController.addToCart 200"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T10:00:00.000Z", datetime(2024, 1, 1, 10, 0, tzinfo=UTC)),
        ("2024-01-01T12:00:00+02:00", datetime(2024, 1, 1, 10, 0, tzinfo=UTC)),
        ("2024-01-01T10:00:00", datetime(2024, 1, 1, 10, 0, tzinfo=UTC)),
        ("2024-01-01T10:00:00.123456789Z", datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_reads_the_timestamp_formats_keptn_accepts(text: str, expected: datetime) -> None:
    assert parse_keptn_time(text) == expected


@pytest.mark.parametrize("text", ["2024-01-01", "yesterday", "1704103200", ""])
def test_refuses_other_timestamps_naming_the_formats(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a timestamp; use 2006-01-02T15:04:05\.000Z"):
        parse_keptn_time(text)


def test_a_window_that_does_not_end_after_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="the window must end after it starts"):
        request(start="2024-01-01T10:10:00Z", end="2024-01-01T10:10:00Z")
