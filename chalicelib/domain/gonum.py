"""Go's number reading (strconv.ParseFloat) and printing (%v), so numbers behave as in Keptn.

Messages such as "the calculated score of 75.3" and thresholds such as "90%" must read and print
exactly as Keptn's Go code did; Python's float() and str() differ at the edges (underscores,
surrounding spaces, "1e400", "74.0" versus "74", "1e+06").
"""

from __future__ import annotations

import math
import re

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SPECIAL = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+")


def parse_go_float(text: str) -> float | None:
    """Read `text` as strconv.ParseFloat(text, 64) would; None where Go returns an error.

    Go refuses surrounding spaces, underscores in decimal numbers and out-of-range values
    ("1e400"), all of which Python's float() would accept.
    """
    if _DECIMAL.fullmatch(text):
        number = float(text)
        return None if math.isinf(number) else number
    if _SPECIAL.fullmatch(text):
        return float(text)
    if _HEX.fullmatch(text):
        sign = -1.0 if text.startswith("-") else 1.0
        try:
            number = float.fromhex(text.lstrip("+-"))
        except OverflowError:
            return None
        return sign * number
    return None


def format_go_float(number: float) -> str:
    """Print `number` as Go's fmt %v prints a float64 (strconv 'g' with the shortest digits).

    Go switches to exponent form when the decimal exponent is below -4 or at least 6
    (1e+06, 1e-05), and never prints a trailing ".0" (74, not 74.0).
    """
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    sign = "-" if number < 0 else ""
    digits, point = _shortest_digits(abs(number))
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        exponent_sign = "-" if exponent < 0 else "+"
        return f"{sign}{mantissa}e{exponent_sign}{abs(exponent):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _shortest_digits(number: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive float and the position of the decimal point.

    Python's repr and Go's strconv both produce the shortest digit string that reads back to
    the same float, so the digits agree; only the layout differs.
    """
    text = repr(number)
    mantissa, _, exponent_text = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent_text) if exponent_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    return stripped.rstrip("0") or "0", point
