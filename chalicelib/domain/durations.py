"""Go duration strings (`10m`, `1h30m`, `500ms`), the syntax Keptn uses for `triggeredAfter`,
task timeouts and evaluation timeframes: one reader, with our messages or Go's own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# Go's time.ParseDuration: an optional sign, then one or more <number><unit> pairs.
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # micro sign, accepted by Go
    "\u03bcs": 1e-6,  # Greek mu, accepted by Go
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
# A number (digits, optional fraction) and a unit that runs to the next digit or '.'.
_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
# Go stores durations as int64 nanoseconds: about 292 years.
_MAX_SECONDS = (2**63 - 1) / 1e9
EXAMPLES = "e.g. 10m, 1h30m, 90s, 500ms"


class _Problem(Enum):
    EMPTY = "empty"
    UNIT_WITHOUT_NUMBER = "unit without number"
    MISSING_UNIT = "missing unit"
    UNKNOWN_UNIT = "unknown unit"
    TOO_LONG = "too long"


@dataclass(frozen=True)
class _Reading:
    seconds: float = 0.0
    problem: _Problem | None = None
    unit: str = ""


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string; raise ValueError saying what is wrong with it."""
    reading = _read(text)
    if reading.problem is not None:
        raise ValueError(f"'{text}' is not a Go duration: {_why(reading)} ({EXAMPLES})")
    return reading.seconds


def parse_go_duration_as_go(text: str) -> float:
    """Seconds in a Go duration string; ValueError with Go's own message (`time: unknown unit
    "x" in duration "5x"`), which Keptn users see in its evaluation errors."""
    reading = _read(text)
    quoted = '"' + text + '"'
    if reading.problem is _Problem.MISSING_UNIT:
        raise ValueError(f"time: missing unit in duration {quoted}")
    if reading.problem is _Problem.UNKNOWN_UNIT:
        raise ValueError(f'time: unknown unit "{reading.unit}" in duration {quoted}')
    if reading.problem is not None:
        raise ValueError(f"time: invalid duration {quoted}")
    return reading.seconds


def go_duration_problem(text: str) -> str | None:
    """Why `text` is not a usable delay (negative delays make no sense), or None when it is."""
    reading = _read(text)
    if reading.problem is not None:
        return f"is not a Go duration: {_why(reading)} ({EXAMPLES})"
    if reading.seconds < 0:
        return "is negative; a delay must be zero or more"
    return None


def _why(reading: _Reading) -> str:
    return {
        _Problem.EMPTY: "it is empty",
        _Problem.UNIT_WITHOUT_NUMBER: f"the unit '{reading.unit}' must follow a number"
        if reading.unit
        else "every number needs a unit",
        _Problem.MISSING_UNIT: "every number needs a unit",
        _Problem.UNKNOWN_UNIT: f"unknown unit '{reading.unit}'; units are ns, us, ms, s, m, h",
        _Problem.TOO_LONG: "it is longer than Go durations can be (about 292 years)",
    }[reading.problem or _Problem.EMPTY]


def _read(text: str) -> _Reading:
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return _Reading()
    if not body:
        return _Reading(problem=_Problem.EMPTY)
    total = 0.0
    position = 0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:  # cannot happen: every group of the pattern may be empty
            return _Reading(problem=_Problem.MISSING_UNIT)
        whole, fraction, unit = match.groups()
        if not whole and not fraction:
            return _Reading(problem=_Problem.UNIT_WITHOUT_NUMBER, unit=unit)
        if not unit:
            return _Reading(problem=_Problem.MISSING_UNIT)
        if unit not in _UNITS:
            return _Reading(problem=_Problem.UNKNOWN_UNIT, unit=unit)
        total += float(f"{whole or '0'}.{fraction or '0'}") * _UNITS[unit]
        position = match.end()
    if total > _MAX_SECONDS:
        return _Reading(problem=_Problem.TOO_LONG)
    return _Reading(seconds=sign * total if total else 0.0)
