"""The webhook executor on the bus: for each event, the webhook entries that match it
(chalicelib/engine/webhooks/matching.py) run in order (chalicelib/services/webhooks/delivery)."""

from __future__ import annotations

from chalicelib.domain.events import KeptnEvent
from chalicelib.engine.webhooks.matching import select
from chalicelib.services.webhooks.common import WebhookDeps
from chalicelib.services.webhooks.delivery import Delivered, announce, run_webhook


def on_event(event: KeptnEvent, deps: WebhookDeps) -> list[Delivered]:
    """Run every webhook entry that matches `event`; [] for the common event no file names.

    Every entry's `.started` goes out before any request: with several entries on one task, a
    first entry's `.finished` must not complete the task before the others said they started.
    """
    files = deps.files.for_event(event, deps.config, deps.bus, deps.now())
    matches = select(files, event)
    for match in matches:
        announce(match, event, deps)
    return [run_webhook(match, event, deps, announced=True) for match in matches]
