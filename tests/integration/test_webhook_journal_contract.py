"""The WebhookJournal contract, run against DynamoDB (on moto) and the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.bootstrap import Container
from chalicelib.ports import JournalEntry, WebhookJournal
from tests.fakes_webhooks import MemoryJournal


@pytest.fixture(params=["dynamodb", "fake"])
def journal(request: pytest.FixtureRequest) -> Iterator[WebhookJournal]:
    if request.param == "fake":
        yield MemoryJournal()
    else:
        container: Container = request.getfixturevalue("aws_container")
        yield container.webhook_journal


def test_a_request_is_claimed_once_then_its_outcome_is_what_later_claims_see(
    journal: WebhookJournal,
) -> None:
    delivery = "shipyard-controller\x1fevent-1\x1fservice#0"
    assert journal.claim(delivery, 0) is None
    assert journal.claim(delivery, 0) == JournalEntry(state="sending")
    assert journal.claim(delivery, 1) is None  # requests are apart
    assert journal.claim(delivery + "x", 0) is None  # deliveries are apart
    journal.settle(delivery, 0, JournalEntry(state="done", response={"ok": [1, "a"]}))
    journal.settle(delivery, 1, JournalEntry(state="failed", message="request 2: HTTP 500"))
    assert journal.claim(delivery, 0) == JournalEntry(state="done", response={"ok": [1, "a"]})
    assert journal.claim(delivery, 1) == JournalEntry(
        state="failed", response=None, message="request 2: HTTP 500"
    )
