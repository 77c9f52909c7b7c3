"""Go duration strings (`10m`, `1h30m`, `500ms`), the syntax Keptn uses for `triggeredAfter`."""

from __future__ import annotations

import re

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
_PART = re.compile(r"([0-9]*\.?[0-9]*)([^0-9.]+)")
# Go stores durations as int64 nanoseconds: about 292 years.
_MAX_SECONDS = (2**63 - 1) / 1e9
EXAMPLES = "e.g. 10m, 1h30m, 90s, 500ms"


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string; raise ValueError saying what is wrong with it."""
    why = _why_not(text)
    if why is not None:
        raise ValueError(f"'{text}' is not a Go duration: {why} ({EXAMPLES})")
    return _seconds(text)


def go_duration_problem(text: str) -> str | None:
    """Why `text` is not a usable delay (negative delays make no sense), or None when it is."""
    why = _why_not(text)
    if why is not None:
        return f"is not a Go duration: {why} ({EXAMPLES})"
    if _seconds(text) < 0:
        return "is negative; a delay must be zero or more"
    return None


def _why_not(text: str) -> str | None:
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return None
    if not body:
        return "it is empty"
    position = 0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None or match.end() == position:
            return "every number needs a unit"
        number, unit = match.groups()
        if number in ("", "."):
            return f"the unit '{unit}' must follow a number"
        if unit not in _UNITS:
            return f"unknown unit '{unit}'; units are ns, us, ms, s, m, h"
        position = match.end()
    if _seconds(text) > _MAX_SECONDS:
        return "it is longer than Go durations can be (about 292 years)"
    return None


def _seconds(text: str) -> float:
    """The value of a string `_why_not` accepted."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in ("+", "-") else text
    total = sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(body))
    return sign * total if total else 0.0
