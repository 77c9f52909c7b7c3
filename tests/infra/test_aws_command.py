"""`qm aws bootstrap|wire|teardown` as a user runs them, on moto's CloudFormation: the stacks are
created, a second run updates instead of failing, and every usage problem is one line with the
fix and exit code 2, never a traceback."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import typer
from moto import mock_aws
from typer.testing import CliRunner, Result

from infra.handlers import HANDLERS
from infra.naming import function_name
from qm.commands.aws import register

STAGE = "dev"  # a stage of .chalice/config.json
PREFIX = f"quartermaster-{STAGE}"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Keep `aws` a command group, as in `qm aws`."""

    register(app)
    return app


def qm(*arguments: str) -> Result:
    with warnings.catch_warnings():
        # moto's CloudFormation skips the types it does not know (EventInvokeConfig, Alarm).
        warnings.filterwarnings("ignore", message="Tried to parse")
        return CliRunner().invoke(_app(), ["aws", *arguments])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setattr("infra.stacks.time.sleep", lambda seconds: None)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield


def _deploy_functions() -> None:
    """What `chalice deploy --stage dev` creates that the wiring needs: the handler functions."""
    role = boto3.client("iam").create_role(
        RoleName="chalice-role", AssumeRolePolicyDocument="{}", Path="/"
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    client = boto3.client("lambda")
    for spec in HANDLERS:
        client.create_function(
            FunctionName=function_name(STAGE, spec.name),
            Runtime="python3.11",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": code.getvalue()},
        )


def _table_names() -> set[str]:
    return set(boto3.client("dynamodb").list_tables()["TableNames"])


def _stack(name: str) -> dict[str, Any] | None:
    stacks = boto3.client("cloudformation").list_stacks()["StackSummaries"]
    live = [s for s in stacks if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


@pytest.mark.usefixtures("aws")
def test_bootstrap_creates_the_stacks_and_a_second_run_updates_them() -> None:
    result = qm("bootstrap", "--stage", STAGE)
    assert result.exit_code == 0, result.output
    assert f"Stack {PREFIX} created" in result.output
    assert f"Stack {PREFIX}-alarms created" in result.output
    assert f"Stack {PREFIX}-dashboard created" in result.output
    assert "qm aws wire --stage dev" in result.output
    tables = {f"{PREFIX}-{t}" for t in ("events", "config", "runs", "evaluations", "idempotency")}
    assert tables <= _table_names()
    assert PREFIX in {
        bus["Name"] for bus in boto3.client("events").list_event_buses()["EventBuses"]
    }
    queues = boto3.client("sqs").list_queues(QueueNamePrefix=PREFIX)["QueueUrls"]
    names = {url.rsplit("/", 1)[1] for url in queues}
    assert {f"{PREFIX}-dispatch", f"{PREFIX}-control-dlq", f"{PREFIX}-recorder-failed"} <= names
    groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")
    assert f"/aws/lambda/{PREFIX}-recorder" in {g["logGroupName"] for g in groups["logGroups"]}

    again = qm("bootstrap", "--stage", STAGE)
    assert again.exit_code == 0, again.output
    for stack in (PREFIX, f"{PREFIX}-alarms", f"{PREFIX}-dashboard"):
        assert f"Stack {stack} updated" in again.output or (
            f"Stack {stack} already up to date" in again.output
        )
    assert tables <= _table_names()


def _template_types() -> list[str]:
    """The resource types of the stacks `qm aws bootstrap` made."""
    cloudformation = boto3.client("cloudformation")
    types = []
    for stack in (PREFIX, f"{PREFIX}-alarms", f"{PREFIX}-dashboard"):
        if _stack(stack) is None:
            continue
        body = cloudformation.get_template(StackName=stack)["TemplateBody"]
        template = json.loads(body) if isinstance(body, str) else body
        types += [resource["Type"] for resource in template["Resources"].values()]
    return types


@pytest.mark.usefixtures("aws")
def test_bootstrap_without_alarms_and_dashboard_and_an_update_that_adds_them_back() -> None:
    result = qm("bootstrap", "--stage", STAGE, "--no-alarms", "--no-dashboard")
    assert result.exit_code == 0, result.output
    assert f"Stack {PREFIX} created" in result.output
    assert _stack(f"{PREFIX}-alarms") is None
    assert _stack(f"{PREFIX}-dashboard") is None
    types = _template_types()
    assert "AWS::CloudWatch::Alarm" not in types
    assert "AWS::CloudWatch::Dashboard" not in types
    assert "AWS::DynamoDB::Table" in types

    again = qm("bootstrap", "--stage", STAGE, "--no-dashboard")
    assert again.exit_code == 0, again.output
    assert f"Stack {PREFIX}-alarms created" in again.output
    assert _stack(f"{PREFIX}-dashboard") is None
    types = _template_types()
    assert "AWS::CloudWatch::Alarm" in types
    assert "AWS::CloudWatch::Dashboard" not in types

    removed = qm("bootstrap", "--stage", STAGE, "--no-alarms", "--no-dashboard")
    assert removed.exit_code == 0, removed.output
    assert f"Stack {PREFIX}-alarms deleted" in removed.output
    assert _stack(f"{PREFIX}-alarms") is None
    assert "AWS::CloudWatch::Alarm" not in _template_types()


@pytest.mark.usefixtures("aws")
def test_wire_needs_the_bootstrap_stack_then_the_functions() -> None:
    result = qm("wire", "--stage", STAGE)
    assert result.exit_code == 2
    assert "run `qm aws bootstrap --stage dev` first" in result.output
    assert qm("bootstrap", "--stage", STAGE).exit_code == 0
    result = qm("wire", "--stage", STAGE)
    assert result.exit_code == 2
    assert f"{PREFIX}-recorder" in result.output
    assert "run `chalice deploy --stage dev`" in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("aws")
def test_wire_connects_the_deployed_functions_and_teardown_keeps_the_tables() -> None:
    assert qm("bootstrap", "--stage", STAGE).exit_code == 0
    _deploy_functions()
    result = qm("wire", "--stage", STAGE)
    assert result.exit_code == 0, result.output
    assert f"Stack {PREFIX}-wiring created" in result.output
    events = boto3.client("events")
    targets = events.list_targets_by_rule(Rule=f"{PREFIX}-recorder", EventBusName=PREFIX)
    assert targets["Targets"][0]["Arn"].endswith(f":function:{PREFIX}-recorder")
    mappings = boto3.client("lambda").list_event_source_mappings(
        FunctionName=f"{PREFIX}-dispatcher"
    )["EventSourceMappings"]
    assert [m["EventSourceArn"].rsplit(":", 1)[1] for m in mappings] == [f"{PREFIX}-dispatch"]
    assert qm("wire", "--stage", STAGE).exit_code == 0  # again: an update, not a failure

    result = qm("teardown", "--stage", STAGE, "--yes")
    assert result.exit_code == 0, result.output
    assert _stack(f"{PREFIX}-wiring") is None
    assert _stack(f"{PREFIX}-alarms") is None
    assert _stack(f"{PREFIX}-dashboard") is None
    assert _stack(PREFIX) is None
    assert "Kept (DeletionPolicy Retain)" in result.output
    kept = _table_names()
    assert f"{PREFIX}-events" in kept
    assert f"{PREFIX}-idempotency" not in kept  # a day of delivery records: not worth keeping


@pytest.mark.usefixtures("aws")
def test_bootstrap_leaves_a_stack_of_the_packaged_route_alone() -> None:
    boto3.client("cloudformation").create_stack(
        StackName=PREFIX,
        TemplateBody='{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}',
    )
    result = qm("bootstrap", "--stage", STAGE)
    assert result.exit_code == 1
    assert "`qm aws` did not create it" in result.output


def test_an_unknown_stage_is_refused() -> None:
    result = qm("bootstrap", "--stage", "staging")
    assert result.exit_code == 2
    assert "stage 'staging' is not in .chalice/config.json; stages are: dev, prod" in result.output


@pytest.fixture
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role lookup


@pytest.mark.usefixtures("no_aws_configuration")
def test_no_region_names_the_fix() -> None:
    result = qm("bootstrap", "--stage", STAGE)
    assert result.exit_code == 2
    assert "no AWS region: pass --region" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.usefixtures("no_aws_configuration")
@pytest.mark.parametrize("command", ["bootstrap", "wire", "teardown"])
def test_no_credentials_names_the_fix(command: str) -> None:
    extra = ["--yes"] if command == "teardown" else []
    result = qm(command, "--stage", STAGE, "--region", "eu-west-1", *extra)
    assert result.exit_code == 2
    assert "no AWS credentials: run `aws configure`" in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("no_aws_configuration")
def test_an_unknown_profile_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")
    result = qm("bootstrap", "--stage", STAGE)
    assert result.exit_code == 2
    assert "The config profile (nope) could not be found" in result.output
