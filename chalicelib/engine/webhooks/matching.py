"""Which webhook entries run for an event (docs/webhooks.md, "Which webhook runs").

Keptn picked the entry whose `subscriptionID` equals the event's
`data.temporaryData.distributor.subscriptionID`: the id of an integration subscription, which
does not exist after a migration. Here an entry runs when the event carries its subscription
id, and, when no entry has the event's subscription id (or the event carries none), when the
entry's `type` equals the event's type (`*` standing for one segment) and its `results`, if
any, include the event's result. Files are looked at as Keptn did, service, then stage, then
project: the first file with a match wins, and every matching entry of it runs, in file order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.webhook import Webhook, WebhookConfig


@dataclass(frozen=True)
class ScopeFile:
    """One webhook.yaml: `scope` is `service`, `stage` or `project`; `config` None when the
    scope has no file."""

    scope: str
    config: WebhookConfig | None


@dataclass(frozen=True)
class Match:
    """An entry that runs; `key` ("stage#1") makes the ids of what it sends distinct."""

    key: str
    webhook: Webhook


def subscription_id(event: KeptnEvent) -> str | None:
    temporary: Any = event.data.get("temporaryData")
    distributor = temporary.get("distributor") if isinstance(temporary, dict) else None
    found = distributor.get("subscriptionID") if isinstance(distributor, dict) else None
    return found if isinstance(found, str) and found else None


def type_matches(pattern: str, event_type: str) -> bool:
    wanted, given = pattern.split("."), event_type.split(".")
    return len(wanted) == len(given) and all(
        w == "*" or w == g for w, g in zip(wanted, given, strict=True)
    )


def _by_type(hook: Webhook, event: KeptnEvent) -> bool:
    if not type_matches(hook.type, event.type):
        return False
    return not hook.results or event.result in hook.results


def select(files: Sequence[ScopeFile], event: KeptnEvent) -> list[Match]:
    """The entries that run for `event`, from the first file (service, stage, project) with
    any; [] when none does."""
    present = [file for file in files if file.config is not None]
    wanted = subscription_id(event)
    if wanted is not None:
        for file in present:
            assert file.config is not None
            found = [
                Match(f"{file.scope}#{position}", hook)
                for position, hook in enumerate(file.config.webhooks)
                if hook.subscription_id == wanted
            ]
            if found:
                return found[:1]  # Keptn ran the first entry of a subscription
    for file in present:
        assert file.config is not None
        found = [
            Match(f"{file.scope}#{position}", hook)
            for position, hook in enumerate(file.config.webhooks)
            if _by_type(hook, event)
        ]
        if found:
            return found
    return []


def subscribed_types(files: Sequence[ScopeFile]) -> set[str]:
    """Every type pattern the files name (what the executor's quick check looks at)."""
    return {hook.type for file in files if file.config for hook in file.config.webhooks}
