"""Criteria strings, targets and aggregation (reference 4.4 and 4.5)."""

from __future__ import annotations

import pytest

from chalicelib.engine.lighthouse import (
    CriteriaError,
    aggregate,
    check,
    compare,
    format_go_float,
    parse_criterion,
    parse_go_float,
    percentile,
)
from chalicelib.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid criteria string"),
        ("10", "invalid criteria string"),
        ("lt 10", "invalid criteria string"),
        ("+10%", "invalid criteria string"),
        ("=>10", "could not parse criteria target value"),  # "=" then ">10"
        ("==10", "could not parse criteria target value"),
        ("<>10", "could not parse criteria target value"),
        ("<10%%", "could not parse criteria target value"),  # only one '%' is removed
        ("<ten", "could not parse criteria target value"),
        ("<1_000", "could not parse criteria target value"),  # Go refuses '_' in decimals
        ("<1e400", "could not parse criteria target value"),  # out of float64 range in Go
        ("<", "could not parse criteria target value"),
        ("|10", "could not parse criteria target value"),  # '|' passes Keptn's first check
    ],
)
def test_invalid_criteria_give_keptns_messages(text: str, message: str) -> None:
    with pytest.raises(CriteriaError) as raised:
        parse_criterion(text)
    assert raised.value.message == message
    assert isinstance(raised.value, InvalidInput)


def test_spaces_anywhere_are_ignored_but_the_original_text_is_kept() -> None:
    criterion = parse_criterion(" > = - 5 % ")
    assert (criterion.operator, criterion.value, criterion.relative, criterion.increase) == (
        ">=",
        5.0,
        True,
        False,
    )
    assert criterion.text == " > = - 5 % "


def test_a_minus_sign_makes_a_criterion_relative_not_negative() -> None:
    # "<-5" means "below the baseline minus 5", never "below -5".
    criterion = parse_criterion("<-5")
    assert criterion.relative
    assert check(criterion, 94.0, 100.0) == (95.0, True)
    assert check(criterion, 96.0, 100.0) == (95.0, False)


@pytest.mark.parametrize(
    ("text", "baseline", "target"),
    [
        ("<=+75%", 200.0, 350.0),  # values from a stored Keptn evaluation.finished
        ("<=+100%", 200.0, 400.0),
        (">=-80%", 200.0, 40.0),
        ("<=10%", 50.0, 55.0),  # '%' without a sign is an increase
        ("<+50", 100.0, 150.0),
        (">-5", 100.0, 95.0),
        ("<600", 200.0, 600.0),  # absolute: baseline ignored
    ],
)
def test_target_values(text: str, baseline: float, target: float) -> None:
    assert check(parse_criterion(text), 0.0, baseline)[0] == target


def test_without_baseline_relative_criteria_hold_with_target_zero_absolute_ones_still_count() -> (
    None
):
    assert check(parse_criterion("<=+10%"), 1e9, None) == (0.0, True)
    assert check(parse_criterion(">-5"), -1e9, None) == (0.0, True)
    assert check(parse_criterion("<600"), 700.0, None) == (600.0, False)


def test_equality_is_exact_float_equality() -> None:
    assert compare(0.1 + 0.2, "=", 0.3) is False
    assert check(parse_criterion("=0"), 0.0, None) == (0.0, True)


def test_unknown_operator_is_an_error() -> None:
    with pytest.raises(CriteriaError, match="no operator set"):
        compare(1.0, "!=", 1.0)


def test_average_and_percentiles() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # sorted: 10 20 30 40, n = 4
    assert aggregate(values, "avg") == 25.0
    # p50: pos = 0.5 * 5 = 2.5 -> 20 + 0.5 * (30 - 20)
    assert aggregate(values, "p50") == 25.0
    # p90: pos = 0.9 * 5 = 4.5 >= n -> max
    assert aggregate(values, "p90") == 40.0
    # p95 with two values: pos = 0.95 * 3 = 2.85 >= 2 -> max
    assert aggregate([1.0, 2.0], "p95") == 2.0
    # one value, p50: pos = 0.5 * 2 = 1.0 >= n -> that value
    assert aggregate([7.0], "p50") == 7.0
    # two values, p50: pos = 1.5 -> 1 + 0.5 * (3 - 1)
    assert percentile([1.0, 3.0], 0.5) == 2.0
    assert percentile([5.0, 1.0, 9.0], 0.1) == 1.0  # pos 0.4 < 1 -> min


def test_unknown_aggregate_function_gives_zero_not_a_skip_and_no_values_skip() -> None:
    assert aggregate([10.0, 20.0], "max") == 0.0
    assert aggregate([10.0, 20.0], "AVG") == 0.0  # names are case-sensitive in Keptn
    assert aggregate([], "avg") is None
    assert aggregate([], "max") is None


def test_go_number_reading_and_printing() -> None:
    assert [parse_go_float(text) for text in ("90", "90.5", "+1e2", ".5", "0x1p-2")] == [
        90.0,
        90.5,
        100.0,
        0.5,
        0.25,
    ]
    assert [parse_go_float(text) for text in (" 90", "90 ", "9_0", "1e400", "", "%")] == [None] * 6
    printed = [format_go_float(n) for n in (75.3, 74.0, 100.0, 0.5, 37.5, 1e6, 123456.0, 1e-5)]
    assert printed == ["75.3", "74", "100", "0.5", "37.5", "1e+06", "123456", "1e-05"]
