"""Keptn's own tutorial files (keptn/examples) validate unchanged; the pre-0.2 shipyards do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.domain.documents import DocumentKind, validate_document
from tests.conftest import SHARED_REFERENCE

EXAMPLES = "keptn-examples"
# Keptn 0.7-era shipyards (top-level `stages` with strategies): refused with a migration hint.
PRE_02_SHIPYARDS = {
    "simplenodeservice_keptn_shipyard_keptn07.yaml",
    "simplenodeservice_keptn_shipyard.yaml",
    "simplenodeservice_quality-gate-only_shipyard_qualitystageonly.yaml",
}
# Not a configuration file at all: a Keptn 0.7 CloudEvent kept next to the tutorial's files.
CLOUD_EVENTS = {"simplenodeservice_keptnevents_configchangeevent.json"}


def expected_kind(name: str) -> DocumentKind:
    """The kind a file of Keptn's examples is, from how the tutorials name them."""
    if name in CLOUD_EVENTS:
        return DocumentKind.UNKNOWN
    for word, kind in (
        ("shipyard", DocumentKind.SHIPYARD),
        ("remediation", DocumentKind.REMEDIATION),
        ("slo", DocumentKind.SLO),
        ("sli", DocumentKind.SLI),
    ):
        if word in name:
            return kind
    raise AssertionError(f"no expected kind for {name}")


def example_names() -> list[str]:
    # Parametrisation happens before fixtures: without ../shared the list is empty (skipped).
    folder = SHARED_REFERENCE / EXAMPLES
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(scope="module")
def examples(reference_dir: Path) -> Path:
    return reference_dir / EXAMPLES


def test_the_example_set_is_the_one_expected(examples: Path) -> None:
    names = {path.name for path in examples.iterdir()}

    assert len(names) >= 30
    assert names >= PRE_02_SHIPYARDS | CLOUD_EVENTS


@pytest.mark.parametrize("name", example_names())
def test_kind_is_detected(examples: Path, name: str) -> None:
    report = validate_document((examples / name).read_text(), name)

    assert report.kind is expected_kind(name)


@pytest.mark.parametrize(
    "name", [n for n in example_names() if n not in PRE_02_SHIPYARDS | CLOUD_EVENTS]
)
def test_validates_unchanged(examples: Path, name: str) -> None:
    report = validate_document((examples / name).read_text(), name)

    assert report.errors == []


@pytest.mark.parametrize("name", sorted(PRE_02_SHIPYARDS))
def test_pre_02_shipyard_is_refused_as_such(examples: Path, name: str) -> None:
    report = validate_document((examples / name).read_text(), name)

    assert report.kind is DocumentKind.SHIPYARD
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"{name}: top level (line 1): ")
    assert "pre-0.2 shipyard format" in report.errors[0]
    assert "not supported" in report.errors[0]
    assert "migrate" in report.errors[0]


def test_keptn07_shipyard_named_in_the_reference_is_refused(examples: Path) -> None:
    name = "simplenodeservice_keptn_shipyard_keptn07.yaml"

    report = validate_document((examples / name).read_text(), name)

    assert not report.valid
    assert "pre-0.2" in report.errors[0]


def test_cloud_event_is_not_taken_for_a_configuration_file(examples: Path) -> None:
    name = "simplenodeservice_keptnevents_configchangeevent.json"

    report = validate_document((examples / name).read_text(), name)

    assert report.errors[0].startswith(f"{name}: top level (line 1): this is a CloudEvent")
