"""Run one webhook entry for one event: the executor's core, whatever triggered it (a
webhook.yaml entry today; a uniform's `webhook` kind can call `run_webhook` the same way).

Steps, as Keptn's webhook service took them (reference 6.2): `.started` for a task
`.triggered` event, the entry's secrets, each request in order (stopping at the first failure),
then `.finished` as Keptn's counting needs (chalicelib/engine/webhooks/answers.py).

At least once, and where that would break counting, at most once: each request is claimed in
the journal before it is sent and its outcome recorded after. A redelivery skips requests
that are done (their answers come from the journal) and reports one that failed as before. A
request whose outcome is unknown (the earlier attempt stopped while it was in flight) is sent
again, the at-least-once contract of webhooks, except when its receiver answers the task
itself (`sendFinished: false` on a task `.triggered`): sending it twice would make that
receiver send a second `.finished` and close the task early, so it is not sent again and the
task fails visibly, saying why, as for a failed request.
Answers have ids fixed by the triggered event, so sending one again is counted once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.event_types import LOG_ERROR
from chalicelib.domain.events import KeptnEvent
from chalicelib.engine.sequencing.events import build_event, stable_id
from chalicelib.engine.webhooks.answers import WEBHOOK_SOURCE, Answers
from chalicelib.engine.webhooks.chat import APPROVAL_WAITING, chat_body
from chalicelib.engine.webhooks.matching import Match
from chalicelib.engine.webhooks.requests import (
    ChatBuilder,
    Masking,
    RequestProblem,
    build_requests,
)
from chalicelib.ports import JournalEntry
from chalicelib.services.webhooks.common import WEBHOOK_SECRET_SCOPE, WebhookDeps
from chalicelib.services.webhooks.http import RequestFailed, exchange

log = logging.getLogger("quartermaster-handlers.webhooks")
# Answers kept in `.finished` (the bus takes 256 KB per event): longer ones are cut.
RESPONSES_BUDGET = 160 * 1024


@dataclass(frozen=True)
class Delivered:
    """What became of one entry for one event."""

    succeeded: int  # requests that went well
    failure: str | None = None  # why the next one failed (secrets masked)
    responses: tuple[Any, ...] = ()


class MissingSecret(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_env(match: Match, deps: WebhookDeps) -> dict[str, str]:
    """`.env` of the entry: each `envFrom` from the secret store's webhook scope."""
    env: dict[str, str] = {}
    for entry in match.webhook.env_from:
        name, key = entry.secret_ref.name, entry.secret_ref.key
        secret = deps.secrets.read(name, WEBHOOK_SECRET_SCOPE)
        if secret is None:
            raise MissingSecret(
                f"secret '{name}' (envFrom '{entry.name}') does not exist in scope "
                f"{WEBHOOK_SECRET_SCOPE}; create it: qm create secret {name} --scope "
                f"{WEBHOOK_SECRET_SCOPE} --from-literal {key}=..."
            )
        if key not in secret.data:
            keys = ", ".join(sorted(secret.data)) or "none"
            raise MissingSecret(
                f"secret '{name}' (envFrom '{entry.name}') has no key '{key}'; its keys: {keys}"
            )
        env[entry.name] = secret.data[key]
    return env


def _answer(response_body: bytes, truncated: bool, budget: int, mask: Masking) -> Any:
    """Keptn's `responses[]` item: the JSON object the receiver sent, or its text."""
    text = response_body.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and not truncated and len(text) <= budget:
        return mask.data(parsed)
    if truncated or len(text) > budget:
        text = text[:budget] + " ...(cut)"
    return mask(text)


def _chat(deps: WebhookDeps) -> ChatBuilder:
    def build(format_name: str, event: KeptnEvent) -> dict[str, Any]:
        links = None
        if deps.links is not None and event.type == APPROVAL_WAITING:
            links = deps.links.links_for(event)
        return chat_body(format_name, event, links)

    return build


def announce(match: Match, event: KeptnEvent, deps: WebhookDeps) -> None:
    """Send the entry's `.started` events (none unless `event` is a task `.triggered`)."""
    for started in Answers(event, match.webhook, match.key).started(deps.now()):
        deps.bus.publish(started)


def run_webhook(
    match: Match,
    event: KeptnEvent,
    deps: WebhookDeps,
    env: Mapping[str, str] | None = None,
    announced: bool = False,
) -> Delivered:
    """Run `match`'s requests for `event` and send what Keptn's counting needs (`announced`:
    its `.started` were sent already). Raises only for what a retry can fix (the secret store
    or the journal failing)."""
    answers = Answers(event, match.webhook, match.key)
    if not announced:
        announce(match, event, deps)
    try:
        values = dict(env) if env is not None else read_env(match, deps)
    except MissingSecret as missing:
        return _failed(answers, event, match, 0, missing.message, deps)
    mask = Masking.of(values)
    delivery = f"{event.source}\x1f{event.id}\x1f{match.key}"
    receiver_answers = answers.task is not None and not match.webhook.send_finished
    builders = build_requests(match.webhook, event, values, _chat(deps))
    budget = RESPONSES_BUDGET // max(1, len(builders))
    responses: list[Any] = []
    for position, build in enumerate(builders):
        try:
            request = build()
        except RequestProblem as problem:
            return _failed(answers, event, match, position, problem.message, deps)
        earlier = deps.journal.claim(delivery, position)
        if earlier is not None and earlier.state == "done":
            responses.append(earlier.response)
            continue
        if earlier is not None and earlier.state == "failed":
            return _failed(answers, event, match, position, earlier.message, deps)
        if earlier is not None and receiver_answers:
            message = (
                f"request {position + 1}: an earlier attempt stopped while sending it, so "
                "whether it arrived is unknown; its receiver answers the task itself, so it "
                "is not sent again (a second request could close the task early)"
            )
            deps.journal.settle(delivery, position, JournalEntry(state="failed", message=message))
            return _failed(answers, event, match, position, message, deps)
        try:
            response = exchange(request, deps)
        except RequestFailed as failed:
            message = mask(f"request {position + 1}: {failed.message}")
            deps.journal.settle(delivery, position, JournalEntry(state="failed", message=message))
            return _failed(answers, event, match, position, message, deps)
        answer = _answer(response.body, response.truncated, budget, mask)
        deps.journal.settle(delivery, position, JournalEntry(state="done", response=answer))
        responses.append(answer)
    for finished in answers.succeeded(responses, deps.now()):
        deps.bus.publish(finished)
    return Delivered(succeeded=len(builders), responses=tuple(responses))


def _failed(
    answers: Answers,
    event: KeptnEvent,
    match: Match,
    succeeded: int,
    reason: str,
    deps: WebhookDeps,
) -> Delivered:
    message = f"webhook {match.webhook.type} ({match.key}) failed: {reason}"
    log.warning("%s (event %s %s)", message, event.type, event.id)
    sent = answers.failed(succeeded, message, deps.now())
    for finished in sent:
        deps.bus.publish(finished)
    if not sent:  # no task to fail: say so where operators look (Keptn's integration log)
        deps.bus.publish(
            build_event(
                now=deps.now(),
                event_id=stable_id(event.id, WEBHOOK_SOURCE, match.key, "error"),
                event_type=LOG_ERROR,
                context=event.shkeptncontext,
                data={
                    "project": event.project,
                    "stage": event.stage,
                    "service": event.service,
                    "message": message,
                    "integrationid": WEBHOOK_SOURCE,
                    "task": event.type,
                },
                triggeredid=event.id,
                source=WEBHOOK_SOURCE,
            )
        )
    return Delivered(succeeded=succeeded, failure=message)
