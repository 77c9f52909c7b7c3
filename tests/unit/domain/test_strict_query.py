"""Whole numbers in query parameters: ASCII digits only, bounded, within the route's range."""

from __future__ import annotations

import pytest

from chalicelib.domain.strict_query import MAX_DIGITS, whole_number
from chalicelib.errors import InvalidInput


@pytest.mark.parametrize(("raw", "value"), [("1", 1), ("20", 20), ("50", 50), ("007", 7)])
def test_ascii_digits_within_the_range_are_read(raw: str, value: int) -> None:
    assert whole_number("pageSize", raw, 1, 50) == value


@pytest.mark.parametrize(
    "raw",
    [
        "+5",
        "-5",
        "1_0",
        "\uff15",  # full-width 5
        "\u0665",  # Arabic-Indic 5
        "\u06f5",  # extended Arabic-Indic 5
        "\u0967",  # Devanagari 1
        " 5",
        "5 ",
        "5\n",
        "0x5",
        "1e1",
        "5.0",
        "",
        "9" * (MAX_DIGITS + 1),
        "9" * 5_000,
    ],
)
def test_anything_but_plain_ascii_digits_is_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        whole_number("pageSize", raw, 1, 50)
    message = raised.value.message
    assert message.startswith("query parameter 'pageSize' must be a whole number between 1 and 50")
    assert "digits 0-9 only" in message
    assert len(message) < 200  # a hostile value is not echoed in full


@pytest.mark.parametrize("raw", ["0", "51", "999999999"])
def test_numbers_outside_the_range_are_refused_with_the_range(raw: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        whole_number("limit", raw, 1, 50)
    assert raised.value.message == "query parameter 'limit' must be between 1 and 50"
