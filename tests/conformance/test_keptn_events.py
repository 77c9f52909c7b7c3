"""Keptn's own test events through intake: each accepted or refused as the rules of 3.1 say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.domain.projects import ProjectRecord
from chalicelib.entrypoints.cloudevent_http import event_attributes
from chalicelib.errors import InvalidInput
from chalicelib.services.intake import IntakeDeps, accept_event
from chalicelib.services.known_projects import KnownProjects
from tests.fakes import FakeBus, FakeConfigStore

# Every fixture with the outcome the intake rules give it. Keptn's API validation refuses task
# .triggered events from outside and task answers without triggeredid; so do we, always.
CONTROL_PLANE_ONLY = "task .triggered events are sent by Quartermaster only"
EXPECTED = {
    "remediation-service-get-action.triggered-0.json": CONTROL_PLANE_ONLY,
    "remediation-service-get-action.triggered-1.json": CONTROL_PLANE_ONLY,
    "remediation-service-get-action.triggered-2.json": CONTROL_PLANE_ONLY,
    "remediation-service-get-action.triggered-malformed.json": "duplicate key 'get-action'",
    "webhook-service-invalid-event.json": CONTROL_PLANE_ONLY,
    "webhook-service-test-webhook.triggered-0.json": CONTROL_PLANE_ONLY,
    "webhook-service-test-webhook.triggered-no-subscription-id.json": CONTROL_PLANE_ONLY,
    "webhook-service-test-webhook.started.json": "requires the attribute 'triggeredid'",
    "webhook-service-test-webhook.finished.json": "requires the attribute 'triggeredid'",
}


def deps() -> IntakeDeps:
    from datetime import UTC, datetime

    config = FakeConfigStore()
    config.create_project(
        ProjectRecord(
            name="myproject",
            shipyard="x",
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("mystage",),
            creation_date="t",
        ),
        author="test",
    )
    return IntakeDeps(
        bus=FakeBus(),
        project_exists=KnownProjects(config).exists,
        clock=lambda: datetime.now(UTC),
        max_event_bytes=256 * 1024,
    )


def test_every_fixture_has_an_expected_outcome(reference_dir: Path) -> None:
    assert sorted(p.name for p in (reference_dir / "keptn-events").glob("*.json")) == sorted(
        EXPECTED
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_goes_through_intake_as_the_rules_say(reference_dir: Path, name: str) -> None:
    body = (reference_dir / "keptn-events" / name).read_bytes()
    with pytest.raises(InvalidInput) as refused:
        accept_event(event_attributes({"content-type": "application/json"}, body), deps())
    assert EXPECTED[name] in refused.value.message


@pytest.mark.parametrize(
    "name",
    ["webhook-service-test-webhook.started.json", "webhook-service-test-webhook.finished.json"],
)
def test_task_answers_are_accepted_once_they_say_what_they_answer(
    reference_dir: Path, name: str
) -> None:
    event = json.loads((reference_dir / "keptn-events" / name).read_text())
    event["triggeredid"] = "f2b878d3-03c0-4e8f-bc3f-454bc1b3d79d"
    event["data"].update(result="pass", status="succeeded")
    intake = deps()
    accepted = accept_event(event_attributes({}, json.dumps(event).encode()), intake)
    # Keptn's legacy `contenttype` attribute and the integration's temporaryData travel as sent.
    assert accepted.to_wire()["contenttype"] == "application/json"
    assert accepted.data["temporaryData"]["distributor"]["subscriptionID"] == "my-subscription-id"
    assert accepted.shkeptncontext == "f90c939d-8803-4e73-9720-9c969e9d2b46"
