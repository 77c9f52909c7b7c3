"""The Keptn event-type grammar: parse and build sequence and task event types.

Classification is purely by segment count, as in Keptn (reference 2.2): 6 segments are
sequence events, 5 are task events. `sh.keptn.event.<task>.status.changed` therefore parses as
a sequence event with sequence `status` and phase `changed` (a quirk Keptn's controller relies
on to ignore it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

EVENT_PREFIX = "sh.keptn.event."
LOG_ERROR = "sh.keptn.log.error"
LEGACY_PROBLEM = "sh.keptn.events.problem"
MONITORING_CONFIGURE = "sh.keptn.event.monitoring.configure"


class Phase(StrEnum):
    """The last segment of a task or sequence event type."""

    TRIGGERED = "triggered"
    STARTED = "started"
    FINISHED = "finished"
    INVALIDATED = "invalidated"
    CHANGED = "changed"  # only as the tail of `<task>.status.changed`


class TypeKind(StrEnum):
    """What an event type denotes."""

    SEQUENCE = "sequence"
    TASK = "task"
    OTHER = "other"


@dataclass(frozen=True)
class EventType:
    """A parsed event type. For sequences `name` is the sequence; for tasks it is the task."""

    raw: str
    kind: TypeKind
    phase: str = ""
    stage: str = ""
    name: str = ""

    @property
    def is_status_changed(self) -> bool:
        return self.kind is TypeKind.SEQUENCE and self.name == "status" and self.phase == "changed"


def parse_event_type(value: str) -> EventType:
    """Classify `value` by Keptn's segment-count rule; anything else is kind OTHER."""
    if not value.startswith(EVENT_PREFIX):
        return EventType(raw=value, kind=TypeKind.OTHER)
    segments = value.split(".")
    if any(segment == "" for segment in segments):
        return EventType(raw=value, kind=TypeKind.OTHER)
    if len(segments) == 6:
        return EventType(
            raw=value,
            kind=TypeKind.SEQUENCE,
            stage=segments[3],
            name=segments[4],
            phase=segments[5],
        )
    if len(segments) == 5:
        return EventType(raw=value, kind=TypeKind.TASK, name=segments[3], phase=segments[4])
    return EventType(raw=value, kind=TypeKind.OTHER)


def sequence_event_type(stage: str, sequence: str, phase: Phase | str) -> str:
    """`sh.keptn.event.<stage>.<sequence>.<phase>`."""
    return f"{EVENT_PREFIX}{stage}.{sequence}.{phase}"


def task_event_type(task: str, phase: Phase | str) -> str:
    """`sh.keptn.event.<task>.<phase>`."""
    return f"{EVENT_PREFIX}{task}.{phase}"


def expand_short_type(value: str) -> str:
    """Accept the short forms users type in the CLI (`evaluation.finished`) as full types."""
    if value.startswith("sh.keptn."):
        return value
    return EVENT_PREFIX + value
