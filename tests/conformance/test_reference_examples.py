"""The shipyards and events printed in the behavioural reference parse, and intake treats each
event as section 3.1 says. They are read from ../shared at test time, never copied."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ProjectRecord
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.errors import InvalidInput
from chalicelib.services.intake import IntakeDeps, accept_event
from chalicelib.services.known_projects import KnownProjects
from tests.fakes import FakeBus, FakeConfigStore

FENCE = re.compile(r"```(yaml|json)\n(.*?)```", re.DOTALL)


def blocks(reference_dir: Path, language: str) -> list[str]:
    text = (reference_dir / "keptn-semantics.md").read_text()
    return [body for lang, body in FENCE.findall(text) if lang == language]


def test_the_three_example_shipyards_validate(reference_dir: Path) -> None:
    shipyards = [b for b in blocks(reference_dir, "yaml") if "kind: Shipyard" in b]
    names = [parse_document(text, Shipyard, "shipyard.yaml").metadata.name for text in shipyards]
    assert names == ["shipyard-sockshop", "shipyard-quality-gates", "shipyard-payments"]


# Example events of section 2.6, in order, and what intake does with each (section 3.1).
EXPECTED_INTAKE = [
    ("sh.keptn.event.dev.delivery.triggered", None),
    ("sh.keptn.event.deployment.triggered", "sent by Quartermaster only"),
    ("sh.keptn.event.deployment.finished", None),
    ("sh.keptn.event.evaluation.finished", None),
    ("sh.keptn.event.dev.delivery.finished", "Quartermaster sends the sequence's .finished"),
    ("sh.keptn.event.production.remediation.triggered", None),
]


def test_the_example_events_go_through_intake_as_the_rules_say(reference_dir: Path) -> None:
    events = [json.loads(b) for b in blocks(reference_dir, "json") if '"specversion"' in b]
    assert [e["type"] for e in events] == [t for t, _ in EXPECTED_INTAKE]
    config = FakeConfigStore()
    config.create_project(
        ProjectRecord(
            name="sockshop",
            shipyard="x",
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("dev", "production"),
            creation_date="t",
        ),
        author="test",
    )
    bus = FakeBus()
    deps = IntakeDeps(
        bus=bus,
        project_exists=KnownProjects(config).exists,
        clock=lambda: datetime.now(UTC),
        max_event_bytes=256 * 1024,
    )
    for event, (event_type, refusal) in zip(events, EXPECTED_INTAKE, strict=True):
        if "id" in event:
            # Every complete example is a valid Keptn CloudEvent as it stands.
            KeptnEvent.model_validate(event)
        if refusal is None:
            accepted = accept_event(dict(event), deps)
            assert accepted.type == event_type
        else:
            with pytest.raises(InvalidInput, match=re.escape(refusal)):
                accept_event(dict(event), deps)
    # (f) had no id, time or context: the API assigned them, as Keptn's does.
    remediation = bus.published[-1]
    assert remediation.type.endswith("remediation.triggered")
    assert remediation.id
    assert remediation.shkeptncontext
