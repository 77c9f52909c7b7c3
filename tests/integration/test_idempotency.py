"""Each delivery acts once (chalicelib/idempotency.py), on moto with the idempotency table of
the definition: a redelivered bus event or queue message is answered from its record, a
failed delivery leaves no record so its retry runs, and the schedule is never deduplicated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import Container, build_aws_container, use_container
from chalicelib.entrypoints.approvals import approval
from chalicelib.entrypoints.handlers import recorder
from chalicelib.observability import observed
from chalicelib.settings import Settings
from qm.local.delivery import LambdaContext
from tests.integration.conftest import STAGE

TRIGGERED = {
    "specversion": "1.0",
    "id": "approval-1",
    "source": "shipyard-controller",
    "type": "sh.keptn.event.approval.triggered",
    "shkeptncontext": "ctx-1",
    "time": "2026-01-05T10:00:00.000Z",
    "data": {
        "project": "shop",
        "stage": "dev",
        "service": "cart",
        "result": "pass",
        "approval": {"pass": "automatic", "warning": "automatic"},
    },
}


def envelope(detail: dict[str, Any], entry_id: str = "entry-1") -> dict[str, Any]:
    """What a bus rule delivers; EventBridge gives each entry (each PutEvents) its own id."""
    return {
        "id": entry_id,
        "source": detail["source"],
        "detail-type": detail["type"],
        "detail": detail,
    }


def context(name: str) -> LambdaContext:
    return LambdaContext(function_name=name)


@pytest.fixture
def calls(aws: None) -> Iterator[Counter[str]]:
    """AWS calls made by the handlers, by operation and by `operation table` (DynamoDB)."""
    counted: Counter[str] = Counter()

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        counted[model.name] += 1
        if "TableName" in params:
            counted[f"{model.name} {params['TableName']}"] += 1

    session = boto3.session.Session()
    session.events.register("before-parameter-build", count)
    built: Container = build_aws_container(Settings(stage=STAGE), session=session)
    use_container(built)
    yield counted
    use_container(None)


def records() -> list[dict[str, Any]]:
    table = Settings(stage=STAGE).idempotency_table
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return items


def test_an_approval_delivered_twice_answers_once(calls: Counter[str]) -> None:
    approval(envelope(TRIGGERED), context("approval"))
    published = calls["PutEvents"]
    assert published == 2  # approval.started, approval.finished
    # The same CloudEvent again: Lambda's retry, or a tool that published it twice (a new entry).
    approval(envelope(TRIGGERED, entry_id="entry-2"), context("approval"))
    assert calls["PutEvents"] == published
    (record,) = records()
    assert record["id"]["S"].startswith("approval#")
    assert record["status"]["S"] == "COMPLETED"


def test_every_handler_acts_once_on_an_event_both_receive(calls: Counter[str]) -> None:
    assert recorder(envelope(TRIGGERED), context("recorder")) == {"stored": True}
    approval(envelope(TRIGGERED), context("approval"))
    assert calls["PutEvents"] == 2  # the recorder's delivery did not stop the approval service
    # The recorder is idempotent by design (a conditional put on the event id): a redelivery
    # stores nothing and keeps no record of its own.
    assert recorder(envelope(TRIGGERED), context("recorder")) == {"stored": False}
    assert [item["id"]["S"].split("#")[0] for item in records()] == ["approval"]


def test_handlers_idempotent_by_design_keep_no_records(calls: Counter[str]) -> None:
    for _ in range(2):
        recorder(envelope(TRIGGERED), context("recorder"))
    assert records() == []
    assert calls[f"PutItem {Settings(stage=STAGE).idempotency_table}"] == 0


@pytest.mark.usefixtures("calls")
def test_a_failed_delivery_leaves_no_record_and_its_retry_runs() -> None:
    runs: list[str] = []

    @observed("flaky")
    def flaky(event: dict[str, Any], context: Any) -> dict[str, int]:
        runs.append(event["detail"]["id"])
        if len(runs) == 1:
            raise RuntimeError("the bus was throttled")
        return {"runs": len(runs)}

    with pytest.raises(RuntimeError):
        flaky(envelope(TRIGGERED), context("flaky"))
    assert records() == []
    assert flaky(envelope(TRIGGERED), context("flaky")) == {"runs": 2}
    assert flaky(envelope(TRIGGERED), context("flaky")) == {"runs": 2}  # from the record
    assert len(runs) == 2


@pytest.mark.usefixtures("calls")
def test_a_duplicate_of_a_delivery_still_running_fails_to_be_retried() -> None:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
    )

    seen: list[type[BaseException]] = []

    @observed("slow")
    def slow(event: dict[str, Any], context: Any) -> None:
        if event["id"] == "first":
            try:  # the same CloudEvent arrives again while this one runs
                slow({**event, "id": "second"}, context)
            except IdempotencyAlreadyInProgressError as error:
                seen.append(type(error))

    slow(envelope(TRIGGERED, entry_id="first"), context("slow"))
    assert seen == [IdempotencyAlreadyInProgressError]


@pytest.mark.usefixtures("calls")
def test_queue_messages_are_keyed_by_their_message_id() -> None:
    bodies: list[str] = []

    @observed("queue-fed")
    def queue_fed(event: dict[str, Any], context: Any) -> None:
        bodies.extend(record["body"] for record in event["Records"])

    def batch(message_id: str) -> dict[str, Any]:
        return {"Records": [{"messageId": message_id, "body": "{}", "eventSource": "aws:sqs"}]}

    queue_fed(batch("m-1"), context("queue-fed"))
    queue_fed(batch("m-1"), context("queue-fed"))  # SQS redelivered it
    queue_fed(batch("m-2"), context("queue-fed"))  # another message, the same body
    assert len(bodies) == 2


@pytest.mark.usefixtures("calls")
def test_the_schedule_is_not_deduplicated() -> None:
    ticks: list[int] = []

    @observed("sweeper")
    def sweeper(event: dict[str, Any], context: Any) -> None:
        ticks.append(1)

    tick = {"id": "t-1", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    sweeper(tick, context("sweeper"))
    sweeper(tick, context("sweeper"))
    assert len(ticks) == 2
    assert records() == []
