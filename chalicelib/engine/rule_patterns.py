"""A subscription as an EventBridge event pattern: the event type, the project, stage and service
filters, and the label selector, so the bus itself decides who gets which event.

Events travel on the bus as one entry each (DetailType = the type, Detail = the CloudEvent), so
a selector is a content filter on `detail.data`: `project`, `stage` and `service` are matched on
the event's own fields (they win over labels of the same name, as chalicelib/domain/uniform.py
says) and every other key on `detail.data.labels.<key>`.

Several conditions on one key must all hold, but a pattern names each key once, so they are
combined first: `In` and `matchLabels` keep the values every condition allows, `NotIn` removes
values, `Exists` and `DoesNotExist` require the label or its absence. Then:

| condition on a key             | pattern                                        |
|---------------------------------|------------------------------------------------|
| one of some values              | `["a", "b"]`                                   |
| present, none of some values    | `[{"anything-but": ["a"]}]`                    |
| none of some values, or absent  | `[{"anything-but": ["a"]}, {"exists": false}]` |
| present                         | `[{"exists": true}]`                           |
| absent                          | `[{"exists": false}]`                          |

(`NotIn` alone holds when the label is absent, as in Kubernetes: hence the second `exists`.)
A combination no event can satisfy is refused (`NeverMatches`) instead of becoming a rule that
never fires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.subscriptions import Subscription
from chalicelib.domain.uniform import EventSelector
from chalicelib.errors import InvalidInput

SCOPE_KEYS = ("project", "stage", "service")
# EventBridge refuses longer patterns.
MAX_PATTERN_CHARS = 4096


class NeverMatches(InvalidInput):
    """The conditions on a key contradict each other: no event could be selected."""


@dataclass
class KeyCondition:
    """Everything the conditions on one key ask, combined (all must hold)."""

    allowed: set[str] | None = None  # None: any value
    excluded: set[str] = field(default_factory=set)
    present: bool | None = None  # True: must exist, False: must not, None: either
    said: list[str] = field(default_factory=list)  # the conditions, for messages

    def require_one_of(self, values: list[str], said: str) -> None:
        self.said.append(said)
        self.allowed = set(values) if self.allowed is None else self.allowed & set(values)
        if self.present is False:
            raise _Contradiction
        self.present = True

    def exclude(self, values: list[str], said: str) -> None:
        self.said.append(said)
        self.excluded |= set(values)

    def require_presence(self, present: bool, said: str) -> None:
        self.said.append(said)
        if self.present is not None and self.present != present:
            raise _Contradiction
        self.present = present

    def pattern(self) -> list[Any]:
        if self.present is False:
            if self.allowed is not None:
                raise _Contradiction
            return [{"exists": False}]
        if self.allowed is not None:
            values = sorted(self.allowed - self.excluded)
            if not values:
                raise _Contradiction
            return values
        if self.excluded:
            but = [{"anything-but": sorted(self.excluded)}]
            return but if self.present else [*but, {"exists": False}]
        return [{"exists": True}]


class _Contradiction(Exception):
    pass


def conditions(
    selector: EventSelector | None, scope: dict[str, tuple[str, ...]]
) -> dict[str, KeyCondition]:
    """Key -> its combined condition, from a subscription's filters and selector."""
    found: dict[str, KeyCondition] = {}

    def on(key: str) -> KeyCondition:
        return found.setdefault(key, KeyCondition())

    try:
        for key, names in scope.items():
            if names:
                on(key).require_one_of(list(names), f"filter {key}s: {', '.join(names)}")
        if selector is not None:
            for key, value in selector.match_labels.items():
                on(key).require_one_of([value], f"matchLabels {key}: {value}")
            for requirement in selector.match_expressions:
                key, values = requirement.key, list(requirement.values or [])
                said = f"{key} {requirement.operator} [{', '.join(values)}]"
                if requirement.operator == "In":
                    on(key).require_one_of(values, said)
                elif requirement.operator == "NotIn":
                    on(key).exclude(values, said)
                else:
                    exists = requirement.operator == "Exists"
                    on(key).require_presence(exists, f"{key} {requirement.operator}")
    except _Contradiction:
        raise NeverMatches(_never(found)) from None
    return found


def _never(found: dict[str, KeyCondition]) -> str:
    reasons = [
        f"label '{key}': {'; '.join(condition.said)}"
        for key, condition in found.items()
        if len(condition.said) > 1
    ]
    return "the selector can never match an event: " + ", ".join(reasons)


def event_pattern(subscription: Subscription) -> dict[str, Any]:
    """The EventBridge pattern that delivers exactly the events the subscription accepts."""
    if "*" in subscription.event or ">" in subscription.event:
        raise InvalidInput(
            f"event '{subscription.event}': a rule needs an exact event type, not a wildcard"
        )
    scope = {
        "project": subscription.filter.projects,
        "stage": subscription.filter.stages,
        "service": subscription.filter.services,
    }
    found = conditions(subscription.selector, scope)
    data: dict[str, Any] = {}
    labels: dict[str, Any] = {}
    try:
        for key, condition in sorted(found.items()):
            (data if key in SCOPE_KEYS else labels)[key] = condition.pattern()
    except _Contradiction:
        raise NeverMatches(_never(found)) from None
    if labels:
        data["labels"] = labels
    pattern: dict[str, Any] = {"detail-type": [subscription.event]}
    if data:
        pattern["detail"] = {"data": data}
    size = len(json.dumps(pattern, separators=(",", ":")))
    if size > MAX_PATTERN_CHARS:
        raise InvalidInput(
            f"the selector of '{subscription.owner}' on {subscription.event} makes an event "
            f"pattern of {size} characters; EventBridge allows {MAX_PATTERN_CHARS}: list fewer "
            "values"
        )
    return pattern
