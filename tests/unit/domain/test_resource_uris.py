"""Resource URIs: one canonical form per file; look-alikes and escapes refused, naming the rule."""

from __future__ import annotations

import pytest

from chalicelib.domain.resource_uris import MAX_URI_BYTES, canonical_uri
from chalicelib.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("slo.yaml", "slo.yaml"),
        ("/slo.yaml", "slo.yaml"),
        ("prometheus/sli.yaml", "prometheus/sli.yaml"),
        ("prometheus%2Fsli.yaml", "prometheus/sli.yaml"),
        ("prometheus%2fsli.yaml", "prometheus/sli.yaml"),
        ("helm//chart///values.yaml", "helm/chart/values.yaml"),
        ("//helm/values.yaml", "helm/values.yaml"),
        ("my%20notes.txt", "my notes.txt"),
        ("100%.txt", "100%.txt"),  # a '%' that is no escape stays as it is
        ("caf%C3%A9/menu.txt", "café/menu.txt"),
        ("Chart.yaml", "Chart.yaml"),  # only names Quartermaster reads are case-checked
        ("stage.shipyard.yaml", "stage.shipyard.yaml"),
    ],
)
def test_equivalent_spellings_have_one_stored_form(raw: str, stored: str) -> None:
    assert canonical_uri(raw) == stored


def test_decoding_happens_exactly_once() -> None:
    # %2541 is "%41" after one decoding; decoding again would make it "A".
    assert canonical_uri("a%2541.txt") == "a%41.txt"
    assert canonical_uri(canonical_uri("a%2541.txt")) == "aA.txt"  # why callers decode once


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("./shipyard.yaml", "'.' and '..' segments are not allowed"),
        (".//x", "'.' and '..' segments are not allowed"),
        ("a/./b", "'.' and '..' segments are not allowed"),
        ("../x", "'.' and '..' segments are not allowed"),
        ("a/../../x", "'.' and '..' segments are not allowed"),
        ("%2E%2E/x", "'.' and '..' segments are not allowed"),
        ("shipyard.yaml/", "must name a file, not end with '/'"),
        ("prometheus%2F", "must name a file, not end with '/'"),
        ("", "must not be empty"),
        ("///", "must name a file"),
        ("slo.yaml\u0000", "control and invisible characters (U+0000)"),
        ("slo.yaml%00", "control and invisible characters (U+0000)"),
        ("slo.yaml\x1f000000000001", "control and invisible characters (U+001F)"),
        ("slo.yaml\n", "control and invisible characters (U+000A)"),
        ("slo\u200b.yaml", "control and invisible characters (U+200B)"),
        ("\u202eslo.yaml", "control and invisible characters (U+202E)"),
        ("..\\..\\x", "'\\' is not a path separator"),
        ("a%5Cb", "'\\' is not a path separator"),
        ("..%252F..%252Fx", "still holds a percent-escape of '/', '\\', '.'"),
        ("%252E%252E/x", "still holds a percent-escape"),
        ("a%255Cb", "still holds a percent-escape"),
        ("slo.yaml%2500", "still holds a percent-escape"),
        ("%FF.yaml", "percent-escapes must encode UTF-8"),
        ("slo.yaml ", "must not start or end with a space"),
        (" slo.yaml", "must not start or end with a space"),
        ("dir /x", "must not start or end with a space"),
        ("Shipyard.yaml", "Quartermaster reads 'shipyard.yaml', not 'Shipyard.yaml'"),
        ("SLO.yaml", "Quartermaster reads 'slo.yaml', not 'SLO.yaml'"),
        ("prometheus/SLI.yaml", "Quartermaster reads 'sli.yaml'"),
        ("x" * (MAX_URI_BYTES + 1), f"at most {MAX_URI_BYTES} bytes"),
    ],
)
def test_look_alikes_and_escapes_are_refused_naming_the_uri_and_the_rule(
    raw: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        canonical_uri(raw)

    message = refused.value.message
    assert message.startswith("resourceURI '")
    assert rule in message
    assert "\n" not in message
    assert "\x00" not in message


def test_the_refusal_shows_unprintable_characters_escaped() -> None:
    with pytest.raises(InvalidInput, match=r"resourceURI 'slo\.yaml\\u0000' is refused"):
        canonical_uri("slo.yaml\u0000")
