"""Event intake: Keptn's validation rules (reference 3.1), completion, size and project checks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.projects import ProjectRecord
from chalicelib.errors import InvalidInput, NotFound, PayloadTooLarge
from chalicelib.services.intake import IntakeDeps, accept_event
from chalicelib.services.known_projects import KnownProjects
from tests.fakes import FakeBus, FakeConfigStore

NOW = datetime(2026, 5, 2, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def bus() -> FakeBus:
    return FakeBus()


@pytest.fixture
def deps(bus: FakeBus) -> IntakeDeps:
    config = FakeConfigStore()
    config.create_project(
        ProjectRecord(
            name="shop",
            shipyard="x",
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("dev",),
            creation_date="t",
        ),
        author="test",
    )
    return IntakeDeps(
        bus=bus,
        project_exists=KnownProjects(config).exists,
        clock=lambda: NOW,
        max_event_bytes=256 * 1024,
    )


def trigger(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "source": "ci",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "data": {"project": "shop", "stage": "dev", "service": "cart"},
    }
    event.update(overrides)
    return event


def test_sequence_trigger_is_completed_and_published(deps: IntakeDeps, bus: FakeBus) -> None:
    event = accept_event(trigger(), deps)
    assert bus.published == [event]
    assert event.time == "2026-05-02T10:00:00.123Z"
    assert len(event.id) == 36
    assert len(event.shkeptncontext) == 36


def test_client_id_is_kept_and_a_retry_lands_in_the_same_context(deps: IntakeDeps) -> None:
    first = accept_event(trigger(id="build-42"), deps)
    again = accept_event(trigger(id="build-42"), deps)
    assert first.id == again.id == "build-42"
    assert first.shkeptncontext == again.shkeptncontext


def test_events_without_id_get_distinct_contexts(deps: IntakeDeps) -> None:
    assert (
        accept_event(trigger(), deps).shkeptncontext != accept_event(trigger(), deps).shkeptncontext
    )


def test_uuid_context_is_kept_and_other_values_hash_deterministically(deps: IntakeDeps) -> None:
    context = "2a0e4c1e-7a88-4a0b-8f2e-0b8f6f6b1c2d"
    assert accept_event(trigger(shkeptncontext=context), deps).shkeptncontext == context
    hashed = accept_event(trigger(shkeptncontext="my-run"), deps).shkeptncontext
    assert hashed == accept_event(trigger(shkeptncontext="my-run"), deps).shkeptncontext
    assert hashed != "my-run"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"type": "sh.keptn.event.dev.delivery.finished"},
            "only sh.keptn.event.<stage>.<sequence>.triggered",
        ),
        (
            {"type": "sh.keptn.event.deployment.triggered"},
            "task .triggered events are sent by Quartermaster only",
        ),
        ({"type": "sh.keptn.event.a.b.c.d.triggered"}, "unknown event type"),
        ({"type": "com.example.build"}, "unknown event type"),
        (
            {"data": {"project": "shop", "stage": "prod", "service": "cart"}},
            "does not match the stage 'dev'",
        ),
        ({"data": {"project": "shop", "stage": "dev"}}, "requires data.service"),
        ({"specversion": "0.3"}, "specversion '0.3' is not supported"),
        ({"source": ""}, "attribute 'source' is required"),
        ({"data": None}, "attribute 'data' is required"),
    ],
)
def test_invalid_events_are_refused_with_the_reason(
    deps: IntakeDeps, bus: FakeBus, overrides: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        accept_event(trigger(**overrides), deps)
    assert fragment in raised.value.message
    assert bus.published == []


def test_task_answers_need_triggeredid_and_finished_needs_result_and_status(
    deps: IntakeDeps,
) -> None:
    data = {"project": "shop", "stage": "dev", "service": "cart"}
    with pytest.raises(InvalidInput, match="triggeredid"):
        accept_event(trigger(type="sh.keptn.event.deployment.started", data=data), deps)
    with pytest.raises(InvalidInput, match=r"data\.result, data\.status"):
        accept_event(
            trigger(type="sh.keptn.event.deployment.finished", triggeredid="t1", data=data), deps
        )
    finished = accept_event(
        trigger(
            type="sh.keptn.event.deployment.finished",
            triggeredid="t1",
            data={**data, "result": "pass", "status": "succeeded"},
        ),
        deps,
    )
    assert finished.triggeredid == "t1"


def test_status_changed_is_accepted_for_tools_that_send_it(deps: IntakeDeps) -> None:
    event = accept_event(
        trigger(
            type="sh.keptn.event.deployment.status.changed",
            triggeredid="t1",
            data={"project": "shop", "stage": "dev", "service": "cart"},
        ),
        deps,
    )
    assert event.type.endswith("status.changed")


def test_log_error_and_problem_events_pass_without_checks(deps: IntakeDeps) -> None:
    accept_event(trigger(type="sh.keptn.log.error", data={"message": "x"}), deps)
    accept_event(trigger(type="sh.keptn.events.problem", data={}), deps)


def test_monitoring_configure_needs_project_and_type(deps: IntakeDeps) -> None:
    with pytest.raises(InvalidInput, match=r"data\.type"):
        accept_event(
            trigger(type="sh.keptn.event.monitoring.configure", data={"project": "shop"}), deps
        )


def test_unknown_project_is_404_and_nothing_is_published(deps: IntakeDeps, bus: FakeBus) -> None:
    with pytest.raises(NotFound, match="project 'nope' does not exist"):
        accept_event(trigger(data={"project": "nope", "stage": "dev", "service": "cart"}), deps)
    assert bus.published == []


def test_oversized_events_are_refused_not_truncated(deps: IntakeDeps, bus: FakeBus) -> None:
    data = {"project": "shop", "stage": "dev", "service": "cart", "blob": "x" * (256 * 1024)}
    with pytest.raises(PayloadTooLarge, match="limited to 262144 bytes"):
        accept_event(trigger(data=data), deps)
    assert bus.published == []


def test_an_event_just_under_the_limit_is_accepted(deps: IntakeDeps, bus: FakeBus) -> None:
    data = {"project": "shop", "stage": "dev", "service": "cart", "blob": "x" * (250 * 1024)}
    accept_event(trigger(data=data), deps)
    assert len(bus.published) == 1


def test_known_projects_are_remembered_briefly_and_unknown_ones_never() -> None:
    config = FakeConfigStore()
    now = [0.0]
    known = KnownProjects(config, ttl_seconds=30, clock=lambda: now[0])
    assert known.exists("late") is False
    config.create_project(
        ProjectRecord(
            name="late", shipyard="x", shipyard_version="v", stages=("dev",), creation_date="t"
        ),
        author="test",
    )
    assert known.exists("late") is True  # a miss is not remembered
    config.delete_project("late")
    assert known.exists("late") is True  # remembered for a while
    now[0] = 31
    assert known.exists("late") is False


def test_the_sender_is_recorded_and_cannot_be_forged(deps: IntakeDeps) -> None:
    forged = accept_event(trigger(qmsubmitter="mallory"), deps, submitter="alice")
    assert forged.to_wire()["qmsubmitter"] == "alice"
    assert "qmsubmitter" not in accept_event(trigger(qmsubmitter="mallory"), deps).to_wire()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"id": "x" * 513}, "attribute 'id'"),
        ({"source": "s" * 513}, "attribute 'source'"),
        ({"gitcommitid": "c" * 513}, "attribute 'gitcommitid'"),
        # Non-ASCII text is stored JSON-escaped: 100 characters are 600 bytes there.
        ({"id": "\u00e9" * 100}, "attribute 'id'"),
        (
            {"data": {"project": "shop", "stage": "dev", "service": "s" * 600}},
            "data.service",
        ),
    ],
)
def test_attributes_too_long_to_be_keys_are_refused_naming_them(
    deps: IntakeDeps, bus: FakeBus, overrides: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInput, match=named) as refused:
        accept_event(trigger(**overrides), deps)
    assert "at most 512 bytes" in refused.value.message
    assert bus.published == []


def test_attributes_at_the_key_limit_are_accepted(deps: IntakeDeps, bus: FakeBus) -> None:
    event = accept_event(trigger(id="x" * 512, gitcommitid="c" * 512), deps)
    assert bus.published == [event]
