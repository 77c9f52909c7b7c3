"""Go duration strings as used by `triggeredAfter`."""

from __future__ import annotations

import pytest

from chalicelib.domain.durations import go_duration_problem, parse_go_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10m", 600.0),
        ("1h30m", 5400.0),
        ("90s", 90.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
        (".5s", 0.5),
        ("0", 0.0),
        ("2h45m30s", 9930.0),
        ("1000us", 0.001),
        ("1000\u00b5s", 0.001),
        ("+5s", 5.0),
        ("-5s", -5.0),
    ],
)
def test_parses_go_syntax(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("10", "every number needs a unit"),
        ("", "it is empty"),
        ("m", "the unit 'm' must follow a number"),
        ("1d", "unknown unit 'd'"),
        ("10 m", "unknown unit ' m'"),
        ("ten minutes", "must follow a number"),
        ("1h-30m", "unknown unit 'h-'"),
        ("3000000h", "longer than Go durations can be"),
    ],
)
def test_refuses_what_go_refuses_and_says_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="is not a Go duration") as caught:
        parse_go_duration(text)
    assert why in str(caught.value)
    assert "e.g. 10m, 1h30m" in str(caught.value)


def test_problem_is_none_for_valid_delays() -> None:
    assert go_duration_problem("10m") is None
    assert go_duration_problem("0") is None


def test_negative_delay_is_a_problem() -> None:
    assert go_duration_problem("-1m") == "is negative; a delay must be zero or more"


def test_problem_explains_bad_syntax() -> None:
    assert go_duration_problem("5 minutes") == (
        "is not a Go duration: unknown unit ' minutes'; units are ns, us, ms, s, m, h "
        "(e.g. 10m, 1h30m, 90s, 500ms)"
    )
