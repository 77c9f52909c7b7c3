"""The Keptn event-type grammar: classification by segment count, quirks included."""

from __future__ import annotations

import pytest

from chalicelib.domain.event_types import (
    TypeKind,
    expand_short_type,
    parse_event_type,
    sequence_event_type,
    task_event_type,
)


def test_sequence_event_has_stage_sequence_and_phase() -> None:
    parsed = parse_event_type("sh.keptn.event.dev.delivery.triggered")
    assert (parsed.kind, parsed.stage, parsed.name, parsed.phase) == (
        TypeKind.SEQUENCE,
        "dev",
        "delivery",
        "triggered",
    )


def test_task_event_has_task_and_phase() -> None:
    parsed = parse_event_type("sh.keptn.event.get-action.finished")
    assert (parsed.kind, parsed.name, parsed.phase) == (TypeKind.TASK, "get-action", "finished")


def test_status_changed_parses_as_a_sequence_event_like_keptn() -> None:
    parsed = parse_event_type("sh.keptn.event.deployment.status.changed")
    assert parsed.kind is TypeKind.SEQUENCE
    assert parsed.is_status_changed
    assert (parsed.stage, parsed.name, parsed.phase) == ("deployment", "status", "changed")


@pytest.mark.parametrize(
    "value",
    [
        "sh.keptn.event.a.b.c.d",  # 7 segments
        "sh.keptn.event.triggered",  # 4 segments
        "sh.keptn.event..delivery.triggered",  # empty segment
        "com.example.thing",
        "sh.keptn.log.error",
    ],
)
def test_other_shapes_are_neither_sequence_nor_task(value: str) -> None:
    assert parse_event_type(value).kind is TypeKind.OTHER


def test_builders_round_trip() -> None:
    assert sequence_event_type("prod", "remediation", "finished") == (
        "sh.keptn.event.prod.remediation.finished"
    )
    assert parse_event_type(task_event_type("approval", "started")).name == "approval"


def test_short_types_expand_but_full_ones_stay() -> None:
    assert expand_short_type("evaluation.finished") == "sh.keptn.event.evaluation.finished"
    assert expand_short_type("sh.keptn.log.error") == "sh.keptn.log.error"
