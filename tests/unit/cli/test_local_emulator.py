"""The local runtime's AWS emulator keeps DynamoDB's promises under concurrent requests: a
cancelled transaction undoes only its own writes, and queries answer as before."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from qm.local.runtime import REGION, free_port

ROOT = Path(__file__).resolve().parents[3]
TABLE = "emulated"


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    log = (tmp_path_factory.mktemp("emulator") / "emulator.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "qm.local.emulator", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{endpoint}/moto-api/", timeout=2)
            break
        except httpx.TransportError:
            assert process.poll() is None, "the emulator exited"
            assert time.monotonic() < deadline, "the emulator did not answer within 30 s"
            time.sleep(0.1)
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "tag")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-tag",
                "KeySchema": [{"AttributeName": "tag", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield client
    process.terminate()
    process.wait(timeout=10)
    log.close()


def _item(pk: str, sk: str, **more: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in more.items()}}


def test_a_cancelled_transaction_does_not_undo_other_requests_writes(dynamodb: Any) -> None:
    # As a scope's lock is claimed while another run holds it: the condition always fails.
    dynamodb.put_item(TableName=TABLE, Item=_item("SCOPE#busy", "LOCK"))
    claim = [
        {
            "Put": {
                "TableName": TABLE,
                "Item": _item("SCOPE#busy", "LOCK"),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {"Put": {"TableName": TABLE, "Item": _item("SCOPE#busy", "Q#claimed")}},
    ]
    stop = threading.Event()

    def claim_forever() -> None:
        while not stop.is_set():
            with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
                dynamodb.transact_write_items(TransactItems=claim)

    claimers = [threading.Thread(target=claim_forever) for _ in range(3)]
    for claimer in claimers:
        claimer.start()
    try:
        written = [f"w{n:03d}" for n in range(150)]
        for sk in written:  # each answered as done while the claims fail beside it
            dynamodb.put_item(TableName=TABLE, Item=_item("RUNS", sk))
    finally:
        stop.set()
        for claimer in claimers:
            claimer.join()
    stored = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "RUNS"}},
        ConsistentRead=True,
    )["Items"]
    assert [item["sk"]["S"] for item in stored] == written
    queue = dynamodb.get_item(TableName=TABLE, Key=_item("SCOPE#busy", "Q#claimed"))
    assert "Item" not in queue  # the cancelled transaction's own write is undone


def test_a_cancelled_transaction_restores_the_items_it_wrote(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_item("T", "kept", note="before"))
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": _item("T", "kept", note="after")}},
                {"Put": {"TableName": TABLE, "Item": _item("T", "new")}},
                {
                    "Delete": {
                        "TableName": TABLE,
                        "Key": _item("T", "absent"),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    kept = dynamodb.get_item(TableName=TABLE, Key=_item("T", "kept"))["Item"]
    assert kept["note"]["S"] == "before"
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=_item("T", "new"))


def test_queries_of_a_partition_and_of_an_index_answer_in_key_order(dynamodb: Any) -> None:
    for pk, sk, tag in [("P2", "b", "x"), ("P1", "c", "x"), ("P1", "a", "y"), ("P1", "b", "x")]:
        dynamodb.put_item(TableName=TABLE, Item=_item(pk, sk, tag=tag))
    partition = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND sk >= :s",
        ExpressionAttributeValues={":pk": {"S": "P1"}, ":s": {"S": "a"}},
        ScanIndexForward=False,
        Limit=2,
    )
    assert [item["sk"]["S"] for item in partition["Items"]] == ["c", "b"]
    tagged = dynamodb.query(
        TableName=TABLE,
        IndexName="by-tag",
        KeyConditionExpression="tag = :t",
        ExpressionAttributeValues={":t": {"S": "x"}},
    )["Items"]
    # An index without a sort key of its own is in the table's sort key order (as in moto).
    assert [(item["pk"]["S"], item["sk"]["S"]) for item in tagged] == [
        ("P1", "b"),
        ("P2", "b"),
        ("P1", "c"),
    ]
