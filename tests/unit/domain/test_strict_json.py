"""The strict JSON reader: nesting and integer limits, no NaN/Infinity, no lone surrogates."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib.domain.strict_json import MAX_DEPTH, MAX_INT_DIGITS, check_nesting, loads
from chalicelib.errors import InvalidInput


def nested(depth: int, opener: str = '{"a":', closer: str = "}") -> str:
    return opener * depth + "1" + closer * depth


def refusal(raw: bytes | str, what: str = "the request body") -> str:
    with pytest.raises(InvalidInput) as raised:
        loads(raw, what)
    return raised.value.message


def test_plain_json_reads_as_json_loads_does() -> None:
    text = '{"a": [1, -2.5, "x\\u00e9\\ud83d\\ude00", true, null, {"b": {}}], "c": 1e10}'
    assert loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize(("opener", "closer"), [('{"a":', "}"), ("[", "]"), ('[{"k":', "}]")])
def test_nesting_up_to_the_limit_is_read_and_beyond_it_is_refused(opener: str, closer: str) -> None:
    per_level = opener.count("[") + opener.count("{")
    allowed = MAX_DEPTH // per_level
    assert loads(nested(allowed, opener, closer)) is not None
    message = refusal(nested(allowed + 1, opener, closer))
    assert f"more than {MAX_DEPTH} levels deep" in message
    assert message.startswith("the request body")


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_very_deep_nesting_is_refused_not_a_recursion_error(depth: int) -> None:
    assert f"the limit is {MAX_DEPTH}" in refusal(nested(depth).encode())


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": "[" * 500 + '\\"{' * 500})
    assert loads(text) == {"a": "[" * 500 + '\\"{' * 500}


def test_integers_up_to_the_digit_limit_are_read() -> None:
    assert loads(f"[{'9' * MAX_INT_DIGITS}, -{'9' * MAX_INT_DIGITS}]") == [
        int("9" * MAX_INT_DIGITS),
        -int("9" * MAX_INT_DIGITS),
    ]


@pytest.mark.parametrize("digits", [MAX_INT_DIGITS + 1, 4_301, 100_000])
def test_longer_integers_are_refused_naming_the_limit(digits: int) -> None:
    message = refusal(f'{{"n": -{"7" * digits}}}'.encode())
    assert f"an integer of {digits} digits" in message
    assert f"limited to {MAX_INT_DIGITS} digits" in message


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(literal: str) -> None:
    message = refusal(f'{{"data": {{"value": {literal}}}}}')
    assert f"is not valid JSON: {literal} is not a JSON value" in message


def test_a_float_out_of_range_is_refused_rather_than_read_as_infinity() -> None:
    assert "1e999, which is out of range" in refusal("[1e999]")
    assert loads("[1e308, -1e-400]") == [1e308, -0.0]


@pytest.mark.parametrize("escape", ["\\ud800", "\\uDFFF", "\\ude00\\ud83d", "a\\ud83d"])
def test_unpaired_surrogate_escapes_are_refused(escape: str) -> None:
    assert "unpaired surrogate escape" in refusal(f'{{"k": "{escape}"}}'.encode())


def test_surrogates_in_keys_are_refused_and_escaped_backslashes_are_not_escapes() -> None:
    assert "unpaired surrogate escape" in refusal('{"\\ud800": 1}')
    assert loads('{"k": "\\\\ud800"}') == {"k": "\\ud800"}


def test_duplicate_keys_are_refused() -> None:
    assert "duplicate key 'a' in the request body" in refusal('{"a": 1, "a": 2}')


@pytest.mark.parametrize(
    "raw",
    [b"\xff{}", '{"a": 1}'.encode("utf-16"), b'\xef\xbb\xbf{"a": 1}'],
)
def test_only_utf8_without_byte_order_mark_is_read(raw: bytes) -> None:
    assert refusal(raw)


def test_syntax_errors_say_where() -> None:
    assert "not valid JSON: Expecting ',' delimiter at line 2 column 1" in refusal("[1\n2]")


def test_the_message_names_what_was_read() -> None:
    assert refusal("[NaN]", "nextPageKey").startswith("nextPageKey is not valid JSON")


def test_check_nesting_alone_only_bounds_depth() -> None:
    check_nesting(nested(MAX_DEPTH) + '"\\ud800"')
    with pytest.raises(InvalidInput):
        check_nesting(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "text",
    ['"' + '\\"' * 200_000, '["' + '\\"' * 200_000 + "\\", '"' * 200_001, "[" + '"a",' * 50_000],
    ids=["unterminated-escaped-quotes", "trailing-backslash", "quotes", "many-strings"],
)
def test_the_scan_before_parsing_stays_linear_on_hostile_strings(text: str) -> None:
    # A scan that rescanned from every escaped quote took minutes on these 400 KB texts.
    started = time.perf_counter()
    with pytest.raises(InvalidInput):
        loads(text)
    assert time.perf_counter() - started < 2.0
