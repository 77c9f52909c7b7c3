"""The one reader of whole numbers in query parameters (`pageSize`, `limit`, ...).

Python's int() accepts far more than a page size should be: a sign (`+5`), underscores (`1_0`),
surrounding blanks, and every Unicode decimal digit (full-width, Arabic-Indic, ...). Keptn's
clients send plain ASCII digits, and a proxy or cache in front of the API may read the others
differently, so only those are accepted.
"""

from __future__ import annotations

import re

from chalicelib.errors import InvalidInput

# Longer than any bound a route sets (which are at most three digits), short enough that no
# conversion cost depends on the client.
MAX_DIGITS = 9
_ASCII_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def whole_number(name: str, raw: str, low: int, high: int) -> int:
    """`raw` as an int in [low, high]; InvalidInput names the parameter and what is allowed."""
    if not _ASCII_DIGITS.fullmatch(raw):
        shown = raw if len(raw) <= 20 else raw[:17] + "..."
        raise InvalidInput(
            f"query parameter '{name}' must be a whole number between {low} and {high} written "
            f"with the digits 0-9 only (no sign, spaces or separators), not '{shown}'"
        )
    value = int(raw)
    if not low <= value <= high:
        raise InvalidInput(f"query parameter '{name}' must be between {low} and {high}")
    return value
