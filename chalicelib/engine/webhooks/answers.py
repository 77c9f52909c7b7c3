"""What a webhook sends back for a task `.triggered` event: Keptn's started/finished counting
(reference 6.2), so the task completes exactly when Keptn's would.

* `sendStarted` (default true): one `<task>.started` when `sendFinished` is true, else one per
  request, so that each called system can send its own `.finished` and the counts match.
* Success with `sendFinished: true`: one `<task>.finished`, status succeeded, result pass,
  `<task>.responses` holding each answer (a JSON object, or the text).
* Failure at a request: one `.finished` with result fail, status errored and the reason when
  `sendFinished` is true; otherwise one per request that did not succeed (the failed one and
  those never sent), so the counts still line up.

Only task `.triggered` events are answered; an entry subscribed to any other event sends
nothing back. Every answer's id derives from the triggered event, the entry and its place, so
a redelivery sends the same events again (the control plane counts each once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type, task_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.webhook import Webhook
from chalicelib.engine.sequencing.events import build_event, stable_id

WEBHOOK_SOURCE = "webhook-service"  # Keptn's integration name, kept for tools that filter on it


@dataclass(frozen=True)
class Answers:
    """Builds the answers of one entry (`key`) to one triggered event."""

    triggered: KeptnEvent
    hook: Webhook
    key: str

    @staticmethod
    def task_of(event: KeptnEvent) -> str | None:
        """The task a `.triggered` event asks for; None for any other event (not answered)."""
        parsed = parse_event_type(event.type)
        if parsed.kind is TypeKind.TASK and parsed.phase == Phase.TRIGGERED:
            return parsed.name
        return None

    @property
    def task(self) -> str | None:
        return self.task_of(self.triggered)

    def _scope(self) -> dict[str, Any]:
        data = {key: self.triggered.data.get(key) for key in ("project", "stage", "service")}
        labels = self.triggered.data.get("labels")
        if isinstance(labels, dict) and labels:
            data["labels"] = labels
        return data

    def _event(self, phase: str, slot: str, data: dict[str, Any], now: str) -> KeptnEvent:
        assert self.task is not None
        return build_event(
            now=now,
            event_id=stable_id(self.triggered.id, WEBHOOK_SOURCE, self.key, slot),
            event_type=task_event_type(self.task, phase),
            context=self.triggered.shkeptncontext,
            data=data,
            triggeredid=self.triggered.id,
            gitcommitid=self.triggered.gitcommitid,
            source=WEBHOOK_SOURCE,
        )

    def started(self, now: str) -> list[KeptnEvent]:
        if self.task is None or not self.hook.send_started:
            return []
        count = 1 if self.hook.send_finished else len(self.hook.requests)
        return [self._event("started", f"started-{n}", self._scope(), now) for n in range(count)]

    def succeeded(self, responses: Sequence[Any], now: str) -> list[KeptnEvent]:
        if self.task is None or not self.hook.send_finished:
            return []
        data = {
            **self._scope(),
            "status": "succeeded",
            "result": "pass",
            self.task: {"responses": list(responses)},
        }
        return [self._event("finished", "finished", data, now)]

    def failed(self, succeeded: int, message: str, now: str) -> list[KeptnEvent]:
        """After `succeeded` requests went well and the next one failed for `message`."""
        if self.task is None:
            return []
        data = {**self._scope(), "status": "errored", "result": "fail", "message": message}
        if self.hook.send_finished:
            return [self._event("finished", "finished", data, now)]
        return [
            self._event("finished", f"finished-{n}", data, now)
            for n in range(succeeded, len(self.hook.requests))
        ]
