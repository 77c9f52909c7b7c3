"""Claiming a scope's lock: a transaction conflict is tried again at once, a failed condition
is an answer, and a conflict that lasts is raised for the delivery to be retried."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.dynamodb_scope_queues import CLAIM_ATTEMPTS, DynamoDbScopeQueues
from chalicelib.domain.runs import Scope
from chalicelib.errors import DependencyFailure

SCOPE = Scope(project="shop", stage="dev", service="cart")


class Cancelled(Exception):
    def __init__(self, *codes: str) -> None:
        super().__init__("cancelled")
        self.response = {"CancellationReasons": [{"Code": code} for code in codes]}


class ConditionalCheckFailed(Exception):
    pass


class Exceptions:
    TransactionCanceledException = Cancelled
    ConditionalCheckFailedException = ConditionalCheckFailed


class Table:
    """A runs table whose claims are cancelled as scripted, then go through."""

    exceptions = Exceptions

    def __init__(self, *cancellations: tuple[str, ...]) -> None:
        self.cancellations = list(cancellations)
        self.claims = 0

    def query(self, **_: Any) -> dict[str, Any]:
        return {"Items": [{"run": {"S": "run1"}, "sk": {"S": "Q#t#run1"}}]}

    def transact_write_items(self, **_: Any) -> None:
        self.claims += 1
        if self.cancellations:
            raise Cancelled(*self.cancellations.pop(0))


class Queues(DynamoDbScopeQueues):
    def __init__(self, table: Table) -> None:
        self._table = "runs"
        self._stub = table

    @property
    def _db(self) -> Any:
        return self._stub


def test_a_conflict_is_tried_again_at_once() -> None:
    table = Table(("TransactionConflict", "None"), ("None", "TransactionConflict"))
    assert Queues(table).claim_next(SCOPE) == "run1"
    assert table.claims == 3


def test_a_held_lock_is_an_answer_not_an_error() -> None:
    table = Table(("ConditionalCheckFailed", "None"))
    assert Queues(table).claim_next(SCOPE) is None
    assert table.claims == 1


def test_a_lasting_conflict_or_throttling_is_raised_for_a_retry() -> None:
    lasting = Table(*[("TransactionConflict", "None")] * CLAIM_ATTEMPTS)
    with pytest.raises(DependencyFailure, match="TransactionConflict"):
        Queues(lasting).claim_next(SCOPE)
    assert lasting.claims == CLAIM_ATTEMPTS
    throttled = Table(("ThrottlingError", "None"))
    with pytest.raises(DependencyFailure, match="ThrottlingError"):
        Queues(throttled).claim_next(SCOPE)
    assert throttled.claims == 1  # only a conflict is tried again here
