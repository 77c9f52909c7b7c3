"""Each delivery acts once: Powertools idempotency around the asynchronous handlers.

EventBridge, Lambda's asynchronous retries and SQS all deliver at least once. `observed` runs
every handler through `once`, which (except for handlers idempotent by design, listed below)
keeps a record per delivery (Powertools'
DynamoDBPersistenceLayer on the idempotency table): a delivery seen before returns the stored
result without running the handler again; one still running makes the duplicate fail, so it is
retried later; a handler that raises leaves no record, so its retry runs. What identifies a
delivery depends on what feeds the handler (`delivery_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# How long a delivery is remembered. EventBridge retries a target for up to 24 hours and Lambda
# keeps a failed asynchronous event for up to 6; a record must outlive every redelivery.
REMEMBER_SECONDS = 24 * 60 * 60

# CloudEvents: `source` + `id` identify an event (the events table and the task answer counts
# use the same pair). The EventBridge envelope's own id would not do: a tool that publishes the
# same CloudEvent again makes a new entry with a new envelope id.
BUS_KEY = "detail.[source, id]"
# State machines' messages (a task and its token, a run's end) carry no event id. SQS redelivers
# a message (after a failed or timed-out invocation, or simply twice) under its messageId, and
# the mappings take one message per batch (infra/wiring.py), so this is the one message. A
# message sent twice by a state machine is two messages: the services' conditional writes (a
# run ends once, a token is stored once) cover that.
QUEUE_KEY = "Records[*].messageId"

# Handlers on the hot path of every task that already act once per delivery by their own
# conditional writes: a Powertools record would double their DynamoDB calls (two writes per
# delivery) for no gain (bench/hop.py: 8.0 -> 14.2 control-plane calls per task).
IDEMPOTENT_BY_DESIGN = {
    "recorder": "stores each event with a conditional put on its id",
    "task-events": "counts an answer once per source + id with a conditional update",
    "dispatcher": "stores a task's token with a conditional put on the triggered id",
    # Resumable: a redelivery finds the run or its end written and carries out what is left
    # (chalicelib/domain/effects.py); a stored result would stop it from doing so.
    "sequencer": "creates a run once per trigger (its id derives from the trigger)",
    "finisher": "ends a run once with a conditional update; its outbox holds what follows",
    # Every event on the bus reaches it and most have no webhook: a record per delivery would
    # be two writes for nothing. Its journal keeps what a delivery sent, per request.
    "webhooks": "claims each request of a delivery in its journal before sending it",
    # Resumable too: a deployment's record (keyed by its triggered id) says how far it got, and
    # a redelivery carries on from there (chalicelib/services/deploy/).
    "deployer": "records a task once per triggered id; a redelivery resumes from the record",
    "canary-steps": "a step repeated sets the same weight or routing; a used token is refused",
    "canary-watch": "ends a deployment once with a revisioned write",
}


def delivery_key(event: dict[str, Any]) -> str | None:
    """The JMESPath of what identifies this delivery, or None for a schedule.

    A schedule (none is defined today) would not be deduplicated: every tick is a new sweep
    with an id of its own, and a retried tick must sweep again."""
    if isinstance(event.get("Records"), list):
        return QUEUE_KEY
    detail = event.get("detail")
    if isinstance(detail, dict) and detail.get("id"):
        return BUS_KEY
    return None


def once(
    handler_name: str,
    handler: Callable[[dict[str, Any], Any], Any],
    event: dict[str, Any],
    context: Any,
) -> Any:
    """Run `handler` unless this delivery was handled already (then: its stored result).

    Records are keyed `<handler name>#<hash of the key>`: the recorder and the sequencer both
    receive every trigger, and each must act on it once."""
    from chalicelib.bootstrap import container

    expression = None if handler_name in IDEMPOTENT_BY_DESIGN else delivery_key(event)
    layers = None if expression is None else container().idempotency
    if expression is None or layers is None:
        return handler(event, context)
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent

    config = IdempotencyConfig(
        event_key_jmespath=expression,
        expires_after_seconds=REMEMBER_SECONDS,
        response_hook=_skipped,
    )
    guarded = idempotent(
        persistence_store=layers(handler_name), config=config, key_prefix=handler_name
    )
    return guarded(handler)(event, context)


def _skipped(response: Any, idempotent_data: Any) -> Any:
    """Say so when a duplicate is answered from its record instead of being handled again."""
    from chalicelib.observability import logger

    logger().info("duplicate delivery: handled before, not handled again")
    return response
