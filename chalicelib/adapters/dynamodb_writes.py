"""Conditional writes on DynamoDB: telling "the condition said no" from "try again", and outboxes.

A conditional write that fails its condition is an answer (the run already ended, the task
was answered); anything else that cancels a transaction (throttling, a conflict with another
transaction, a validation error) is not, and must not be read as one: it is raised as
`DependencyFailure`, so the delivery fails and is retried, and lands in a dead-letter queue
when retries run out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.domain.effects import Effect, outbox_entries
from chalicelib.errors import DependencyFailure

OUTBOX = "outbox"


class ConditionFailed(Exception):
    """Raised inside `conditional()` when only conditions cancelled the write."""


class TransactionConflict(DependencyFailure):
    """Another transaction wrote one of the items at the same moment: trying again at once
    usually goes through."""


@contextmanager
def conditional(db: Any) -> Iterator[None]:
    """Turn a failed condition into ConditionFailed and any other cancellation into
    DependencyFailure (retryable)."""
    try:
        yield
    except db.exceptions.ConditionalCheckFailedException as error:
        raise ConditionFailed() from error
    except db.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons and all(
            code in ("None", "ConditionalCheckFailed") for code in reasons
        ):
            raise ConditionFailed() from error
        failure = TransactionConflict if "TransactionConflict" in reasons else DependencyFailure
        raise failure(
            f"a DynamoDB transaction was cancelled ({', '.join(reasons) or 'no reason given'}); "
            "the delivery is retried"
        ) from error


def succeeded(db: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
    """Call `request(*args, **kwargs)`; False when only its condition failed."""
    try:
        with conditional(db):
            request(*args, **kwargs)
    except ConditionFailed:
        return False
    return True


def outbox_set(
    effects: list[Effect], stamp: str
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """SET clauses, names and values that add `effects` to an item's outbox map.

    `stamp` (the decision's time) orders entries of different decisions on one item."""
    clauses: list[str] = []
    names: dict[str, str] = {"#outbox": OUTBOX} if effects else {}
    values: dict[str, Any] = {}
    for n, (name, body) in enumerate(outbox_entries(effects, stamp).items()):
        names[f"#fx{n}"] = name
        values[f":fx{n}"] = {"S": body}
        clauses.append(f"#outbox.#fx{n} = :fx{n}")
    return clauses, names, values


def outbox_item(effects: list[Effect], stamp: str) -> dict[str, Any]:
    """The outbox attribute of a new item."""
    return {"M": {name: {"S": body} for name, body in outbox_entries(effects, stamp).items()}}


def outbox_of(item: dict[str, Any]) -> dict[str, str]:
    return {name: value["S"] for name, value in item.get(OUTBOX, {}).get("M", {}).items()}


def clear_outbox(db: Any, table: str, key: dict[str, Any], names: list[str]) -> None:
    """Remove carried-out entries (absent ones are no error: a retry removed them already)."""
    if not names:
        return
    aliases = {f"#fx{n}": name for n, name in enumerate(names)}
    db.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="REMOVE " + ", ".join(f"#outbox.{alias}" for alias in aliases),
        ExpressionAttributeNames={"#outbox": OUTBOX, **aliases},
    )
