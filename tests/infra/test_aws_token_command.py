"""`qm aws token create` on moto: the first API token, written with AWS credentials only."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
import typer
from moto import mock_aws
from typer.testing import CliRunner, Result

from chalicelib.services.auth import digest
from qm.commands import aws, aws_token

TABLE = "quartermaster-dev-config"  # stage dev of .chalice/config.json


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Keep `aws` a command group, as in `qm aws`."""

    aws.register(app)
    aws_token.register(app)
    return app


def qm(*arguments: str) -> Result:
    return CliRunner().invoke(_app(), ["aws", "token", "create", "--stage", "dev", *arguments])


@pytest.fixture
def aws_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with mock_aws():
        yield


def _create_table() -> None:
    boto3.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _stored() -> dict[str, dict[str, str]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    return {item["sk"]["S"]: json.loads(item["record"]["S"]) for item in items}


def test_the_first_token_is_written_and_printed_once(aws_account: None) -> None:
    _create_table()
    result = qm("--name", "admin", "--expires", "90d")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("qm_")
    record = _stored()["admin"]
    assert record["digest"] == digest(token)
    assert token not in json.dumps(record)
    assert record["created_by"].startswith("aws:arn:aws:")
    assert record["expires"] is not None


def test_a_taken_name_is_refused_unless_replaced(aws_account: None) -> None:
    _create_table()
    first = qm()
    assert first.exit_code == 0, first.output
    again = qm()
    assert again.exit_code == 2
    assert "a token named 'admin' already exists" in again.output
    replaced = qm("--replace")
    assert replaced.exit_code == 0, replaced.output
    assert _stored()["admin"]["digest"] == digest(replaced.stdout.strip().splitlines()[-1])


def test_usage_problems_name_the_fix(aws_account: None) -> None:
    missing = qm()
    assert missing.exit_code == 2
    assert f"no table {TABLE}: run `qm aws bootstrap --stage dev` first" in missing.output
    _create_table()
    bad = qm("--expires", "soon")
    assert bad.exit_code == 2
    assert "expiresIn 'soon' is not a duration" in bad.output
    unknown = CliRunner().invoke(_app(), ["aws", "token", "create", "--stage", "nope"])
    assert unknown.exit_code == 2
    assert "stage 'nope' is not in .chalice/config.json" in unknown.output
