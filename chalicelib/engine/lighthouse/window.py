"""The evaluation window (reference 4.2): start/end from evaluation.triggered, Keptn's messages.

Timeframes use Go's duration syntax ("5m", "1h30m", "1.5h", "300ms"); timestamps are read in the
three formats Keptn accepts and written as YYYY-MM-DDTHH:MM:SS.mmmZ (UTC).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from chalicelib.domain.durations import parse_go_duration_as_go
from chalicelib.errors import InvalidInput

DEFAULT_TIMEFRAME = "5m"
NO_WINDOW = "evaluation.triggered event does not contain evaluation timeframe"
START_WITHOUT_END = "no timeframe or end date provided"
END_WITH_TIMEFRAME = "'end' and 'timeframe' are mutually exclusive"
END_WITHOUT_START = "start date is required when using an end date"
TOO_SHORT = "end date must be at least 1 minute after start date"

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?"
)
_FORMATS_HINT = (
    "use 2006-01-02T15:04:05.000Z, RFC 3339 (2006-01-02T15:04:05+02:00) or 2006-01-02T15:04:05"
)


class WindowError(InvalidInput):
    """The evaluation window cannot be determined; the message is Keptn's."""


def resolve_window(
    evaluation: Mapping[str, object] | None,
    test: Mapping[str, object] | None,
    now: datetime,
) -> tuple[str, str]:
    """(start, end) of the evaluation from evaluation.{start,end,timeframe} and test.{start,end}.

    The evaluation fields win when start and end, or a timeframe, are given; otherwise the test
    window is used verbatim; otherwise there is no window.
    """
    start = _text(evaluation, "start", "evaluation")
    end = _text(evaluation, "end", "evaluation")
    timeframe = _text(evaluation, "timeframe", "evaluation")
    if (start and end) or timeframe:
        return window_from_parameters(start, end, timeframe, now)
    test_start = _text(test, "start", "test")
    test_end = _text(test, "end", "test")
    if test_start and test_end:
        return test_start, test_end
    raise WindowError(NO_WINDOW)


def window_from_parameters(start: str, end: str, timeframe: str, now: datetime) -> tuple[str, str]:
    """Keptn's start/end/timeframe rules (also used by the evaluation API endpoint)."""
    if start and not end and not timeframe:
        raise WindowError(START_WITHOUT_END)
    if end and timeframe:
        raise WindowError(END_WITH_TIMEFRAME)
    if end and not start:
        raise WindowError(END_WITHOUT_START)
    duration = _parse_go_duration(timeframe or DEFAULT_TIMEFRAME)
    now_utc = now.astimezone(UTC)
    window_end = now_utc
    window_start = now_utc - duration
    if start:
        window_start = parse_timestamp(start)
    if end:
        window_end = parse_timestamp(end)
    if start and not end:
        window_end = window_start + duration
    if window_end - window_start < timedelta(minutes=1):
        raise WindowError(TOO_SHORT)
    return format_timestamp(window_start), format_timestamp(window_end)


def parse_timestamp(text: str) -> datetime:
    """Read 2006-01-02T15:04:05.000Z, RFC 3339 or 2006-01-02T15:04:05 (taken as UTC)."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise WindowError(f"could not parse timestamp {text!r}: {_FORMATS_HINT}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError as error:
        raise WindowError(
            f"could not parse timestamp {text!r} ({error}): {_FORMATS_HINT}"
        ) from error
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        moment -= sign * offset
    return moment


def format_timestamp(moment: datetime) -> str:
    """YYYY-MM-DDTHH:MM:SS.mmmZ in UTC, milliseconds truncated as Go's layout does."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _parse_go_duration(text: str) -> timedelta:
    """Go's time.ParseDuration, with Go's error messages (`time: invalid duration "5x"`)."""
    try:
        return timedelta(seconds=parse_go_duration_as_go(text))
    except ValueError as error:
        raise WindowError(str(error)) from error


def _text(fields: Mapping[str, object] | None, key: str, block: str) -> str:
    if fields is None:
        return ""
    value = fields.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WindowError(f"{block}.{key} must be a string, not {type(value).__name__}")
    return value
