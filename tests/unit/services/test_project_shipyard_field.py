"""The `shipyard` field of a project request: base64 of UTF-8 text, or a 400 naming the field."""

from __future__ import annotations

import base64

import pytest

from chalicelib.errors import InvalidInput
from chalicelib.services.projects import decode_shipyard


def test_base64_text_is_decoded() -> None:
    assert decode_shipyard(base64.b64encode(b"kind: Shipyard").decode()) == "kind: Shipyard"


@pytest.mark.parametrize(
    "value",
    [
        "é",  # non-ASCII text: base64 never holds it
        "not base64!",
        base64.b64encode(b"\xff\xfe").decode(),  # base64, but not of UTF-8 text
    ],
)
def test_anything_else_is_a_400_naming_the_field(value: str) -> None:
    with pytest.raises(InvalidInput, match="field 'shipyard' must be base64-encoded UTF-8"):
        decode_shipyard(value)
