"""A uniform service with a `hook`: its events go to that URL through the webhook executor,
which POSTs the whole event and takes a 2xx answer as pass.

Each such subscription's rule sends `{"subscription": <id>, "project", "event"}` to the
`webhooks` function (chalicelib/entrypoints/webhooks.py), which hands it here. The executor
runs it as the webhook entry the hook stands for:

```yaml
- type: <the event's type>
  sendStarted: true
  sendFinished: true         # a 2xx answer passes the task
  requests:
    - url: <hook>
      method: POST
      headers: [{key: Content-Type, value: application/cloudevents+json}]
      payload: <the event, as JSON>
```

so everything webhook.yaml entries get holds for hooks too: the SSRF guard and its operator
lists, retries, timeouts, the delivery journal, and Keptn's counting (for a task `.triggered`:
one `.started` from `webhook-service`, then one `.finished`, `pass`/`succeeded` with the answer
in `<task>.responses` when the receiver answered 2xx, `fail`/`errored` with the reason when it
answered 400 or more, or a redirect, or nothing, or the guard refused the address). The hook
itself may use the templates of webhook.yaml URLs (`{{.data.service}}`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.webhook import WebhookV1Beta1
from chalicelib.engine.webhooks.matching import Match
from chalicelib.ports import UniformStore
from chalicelib.services.webhooks.common import WebhookDeps
from chalicelib.services.webhooks.delivery import Delivered, run_webhook

log = logging.getLogger("quartermaster-handlers.uniform")
CONTENT_TYPE = "application/cloudevents+json"  # CloudEvents' structured mode: the event is the body


@dataclass(frozen=True)
class HookDeps:
    uniforms: UniformStore
    webhooks: WebhookDeps


def is_hook_delivery(message: dict[str, Any]) -> bool:
    """Whether a `webhooks` invocation is a hook subscription's rule (not the bus's envelope)."""
    return "subscription" in message and "event" in message and "detail" not in message


def hook_entry(hook: str, event: KeptnEvent) -> WebhookV1Beta1:
    """The webhook entry a hook stands for, for one event."""
    return WebhookV1Beta1.model_validate(
        {
            "type": event.type,
            "sendStarted": True,
            "sendFinished": True,
            "requests": [
                {
                    "url": hook,
                    "method": "POST",
                    "headers": [{"key": "Content-Type", "value": CONTENT_TYPE}],
                    "payload": literal_payload(event.to_wire()),
                }
            ],
        }
    )


def literal_payload(document: dict[str, Any]) -> str:
    """JSON that the executor's template rendering leaves as it is: `{{` can only occur inside
    a JSON string, where `{` may be written `\\u007b` (same value, no template action)."""
    return json.dumps(document, separators=(",", ":")).replace("{{", "{\\u007b")


def on_hook_event(message: dict[str, Any], deps: HookDeps) -> Delivered | None:
    """Run the hook of the message's subscription for its event; None when the subscription is
    unknown or has no hook (logged: a retry cannot change that)."""
    event = KeptnEvent.model_validate(message.get("event"))
    stored = deps.uniforms.get_subscription(str(message.get("subscription")))
    hook = stored.subscription.executor.hook if stored is not None else None
    if stored is None or not hook:
        log.error(
            "subscription %s is not a stored hook subscription; event %s not sent",
            message.get("subscription"),
            event.id,
        )
        return None
    # The key names the entry in messages and makes the ids of its answers distinct.
    key = f"uniform service {stored.subscription.owner}, subscription {stored.subscription.id}"
    match = Match(key=key, webhook=hook_entry(hook, event))
    return run_webhook(match, event, deps.webhooks, env={})
