"""The evaluation window (reference 4.2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.engine.lighthouse import WindowError, resolve_window, window_from_parameters
from chalicelib.errors import InvalidInput

NOW = datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)


def test_timeframe_only_ends_now() -> None:
    assert resolve_window({"timeframe": "30m"}, None, NOW) == (
        "2024-03-01T11:30:00.500Z",
        "2024-03-01T12:00:00.500Z",
    )


def test_start_and_timeframe_end_after_the_timeframe() -> None:
    window = resolve_window({"start": "2024-03-01T08:00:00Z", "timeframe": "1h30m"}, None, NOW)
    assert window == ("2024-03-01T08:00:00.000Z", "2024-03-01T09:30:00.000Z")


def test_start_and_end_are_used_and_normalised_to_utc_milliseconds() -> None:
    window = resolve_window(
        {"start": "2024-03-01T10:00:00+02:00", "end": "2024-03-01T08:10:00.123456Z"}, None, NOW
    )
    assert window == ("2024-03-01T08:00:00.000Z", "2024-03-01T08:10:00.123Z")


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-03-01T08:00:00.000Z",
        "2024-03-01T08:00:00Z",
        "2024-03-01T09:00:00+01:00",
        "2024-03-01T08:00:00",
    ],
)
def test_three_timestamp_formats(timestamp: str) -> None:
    assert resolve_window({"start": timestamp, "timeframe": "5m"}, None, NOW) == (
        "2024-03-01T08:00:00.000Z",
        "2024-03-01T08:05:00.000Z",
    )


def test_evaluation_fields_win_over_the_test_window() -> None:
    test = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T01:00:00Z"}
    assert resolve_window({"timeframe": "2m"}, test, NOW)[0] == "2024-03-01T11:58:00.500Z"


def test_test_window_is_used_verbatim() -> None:
    test = {"start": "2024-01-01T00:00:00Z", "end": "soon"}
    assert resolve_window({}, test, NOW) == ("2024-01-01T00:00:00Z", "soon")
    # a lone evaluation.start does not select the evaluation fields
    assert resolve_window({"start": "2024-01-01T00:00:00Z"}, test, NOW)[1] == "soon"


@pytest.mark.parametrize(
    ("evaluation", "test"),
    [
        (None, None),
        ({}, {}),
        ({"start": "2024-01-01T00:00:00Z"}, None),
        ({"end": "x"}, {"start": "y"}),
    ],
)
def test_no_window_at_all(evaluation: dict[str, str] | None, test: dict[str, str] | None) -> None:
    with pytest.raises(WindowError) as raised:
        resolve_window(evaluation, test, NOW)
    assert (
        raised.value.message == "evaluation.triggered event does not contain evaluation timeframe"
    )
    assert isinstance(raised.value, InvalidInput)


@pytest.mark.parametrize(
    ("start", "end", "timeframe", "message"),
    [
        ("2024-03-01T08:00:00Z", "", "", "no timeframe or end date provided"),
        (
            "2024-03-01T08:00:00Z",
            "2024-03-01T09:00:00Z",
            "5m",
            "'end' and 'timeframe' are mutually exclusive",
        ),
        ("", "2024-03-01T09:00:00Z", "5m", "'end' and 'timeframe' are mutually exclusive"),
        ("", "2024-03-01T09:00:00Z", "", "start date is required when using an end date"),
        (
            "2024-03-01T08:00:00Z",
            "2024-03-01T08:00:59Z",
            "",
            "end date must be at least 1 minute after start date",
        ),
        (
            "2024-03-01T08:00:00Z",
            "2024-03-01T07:00:00Z",
            "",
            "end date must be at least 1 minute after start date",
        ),
        ("", "", "30s", "end date must be at least 1 minute after start date"),
        ("", "", "-5m", "end date must be at least 1 minute after start date"),
        ("", "", "5", 'time: missing unit in duration "5"'),
        ("", "", "5 min", 'time: unknown unit " min" in duration "5 min"'),
        ("", "", "h", 'time: invalid duration "h"'),
    ],
)
def test_window_errors(start: str, end: str, timeframe: str, message: str) -> None:
    with pytest.raises(WindowError) as raised:
        window_from_parameters(start, end, timeframe, NOW)
    assert raised.value.message == message


def test_errors_through_resolve_window() -> None:
    with pytest.raises(WindowError, match="mutually exclusive"):
        resolve_window({"end": "2024-03-01T09:00:00Z", "timeframe": "5m"}, None, NOW)
    with pytest.raises(WindowError, match="at least 1 minute"):
        resolve_window({"timeframe": "59s"}, None, NOW)


def test_exactly_one_minute_is_enough_and_default_timeframe_is_five_minutes() -> None:
    assert window_from_parameters("2024-03-01T08:00:00Z", "2024-03-01T08:01:00Z", "", NOW) == (
        "2024-03-01T08:00:00.000Z",
        "2024-03-01T08:01:00.000Z",
    )
    assert resolve_window({"timeframe": "1m"}, None, NOW)[0] == "2024-03-01T11:59:00.500Z"


def test_go_duration_syntax() -> None:
    assert resolve_window({"timeframe": "1.5h"}, None, NOW)[0] == "2024-03-01T10:30:00.500Z"
    assert resolve_window({"timeframe": "1h2m3s"}, None, NOW)[0] == "2024-03-01T10:57:57.500Z"
    assert resolve_window({"timeframe": "90000ms"}, None, NOW)[0] == "2024-03-01T11:58:30.500Z"


@pytest.mark.parametrize("timestamp", ["yesterday", "2024-13-01T00:00:00Z", "2024-03-01 08:00:00"])
def test_unreadable_timestamps_name_the_accepted_formats(timestamp: str) -> None:
    with pytest.raises(WindowError, match=r"2006-01-02T15:04:05\.000Z"):
        resolve_window({"start": timestamp, "timeframe": "5m"}, None, NOW)


def test_non_text_fields_are_refused() -> None:
    with pytest.raises(WindowError, match=r"evaluation\.timeframe must be a string"):
        resolve_window({"timeframe": 5}, None, NOW)
