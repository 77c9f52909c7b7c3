"""`qm aws bootstrap|wire|teardown`: the stacks around `chalice deploy` (docs/operations.md).

    qm aws bootstrap --stage prod   # bus, tables, queues, log groups; alarms and dashboard in
                                    # stacks of their own (--no-alarms, --no-dashboard: leave
                                    # those out); no function yet
    chalice deploy --stage prod     # the functions and the API
    qm aws wire --stage prod        # rules, queue mappings to the deployed functions
    qm aws token create --stage prod --name admin   # the first API token (qm/commands/aws_token.py)

Usage problems (no region, no credentials, an unknown stage, functions not deployed yet) exit
with 2 and one line naming the fix; a failed stack exits with 1 and the failed resources' reasons.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from qm.client import CliError
from qm.output import cli_errors, console

if TYPE_CHECKING:
    from infra.stacks import Outcome, Progress

aws_app = typer.Typer(
    help="Deploy to AWS with `chalice deploy`: the stacks around the functions. In order: "
    "`qm aws bootstrap` (quartermaster-<stage>: bus, tables, queues, log groups, roles; "
    "quartermaster-<stage>-alarms: alarms and their topic; quartermaster-<stage>-dashboard), "
    "`chalice deploy`, `qm aws wire` (quartermaster-<stage>-wiring: rules, queue mappings, "
    "on-failure destinations). `qm aws teardown` deletes the four.",
    no_args_is_help=True,
)
STAGE = typer.Option(..., "--stage", "-s", help="Chalice stage (a key of .chalice/config.json)")
REGION = typer.Option(None, "--region", help="AWS region (default: AWS_REGION or the profile's)")
WAIT = typer.Option(True, "--wait/--no-wait", help="Wait until CloudFormation has finished")
USAGE = 2  # exit code of a problem the user fixes before running again


def _known_stage(stage: str) -> None:
    from infra.policies import CHALICE_DIR

    stages = sorted(json.loads((CHALICE_DIR / "config.json").read_text())["stages"])
    if stage not in stages:
        raise CliError(
            f"stage '{stage}' is not in .chalice/config.json; stages are: {', '.join(stages)} "
            "(to add one: docs/operations.md, Other stages)",
            exit_code=USAGE,
        )


def _session(region: str | None) -> Any:
    """A boto3 session with a region and working credentials, or a CliError naming the fix."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    try:
        session = boto3.session.Session(region_name=region)
    except ProfileNotFound as error:
        raise CliError(
            f"{error}: set AWS_PROFILE to a profile of `aws configure list-profiles`",
            exit_code=USAGE,
        ) from error
    if not session.region_name:
        raise CliError(
            "no AWS region: pass --region (e.g. --region eu-west-1) or set AWS_REGION "
            "(or a region in your AWS profile); use the region `chalice deploy` uses",
            exit_code=USAGE,
        )
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:  # an expired SSO session, a broken credential process, ...
        raise CliError(
            f"the AWS credentials could not be loaded ({error}): refresh them "
            "(`aws sso login`) and run again",
            exit_code=USAGE,
        ) from error
    if credentials is None:
        raise CliError(
            "no AWS credentials: run `aws configure` (or `aws sso login`) and set AWS_PROFILE, "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            exit_code=USAGE,
        )
    try:
        identity = session.client("sts").get_caller_identity()
    except ClientError as error:
        details = error.response.get("Error", {})
        raise CliError(
            f"AWS refused the credentials ({details.get('Code')}: {details.get('Message')}): "
            "refresh them (`aws sso login`, new keys) and run again",
            exit_code=USAGE,
        ) from error
    except BotoCoreError as error:
        raise CliError(f"cannot reach AWS in {session.region_name}: {error}") from error
    console.print(f"AWS account {identity['Account']}, region {session.region_name}")
    return session


@contextmanager
def _aws_errors(title: str) -> Iterator[Progress]:
    """Rich progress (the latest resource event) while CloudFormation works; AWS and stack
    errors become one line and exit code 1."""
    from botocore.exceptions import BotoCoreError, ClientError
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from infra.stacks import StackError

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task(title)
        try:
            yield lambda line: bar.update(task, description=f"{title}: {line}")
        except StackError as error:
            raise CliError(error.message) from error
        except ClientError as error:
            details = error.response.get("Error", {})
            raise CliError(f"{details.get('Code')}: {details.get('Message')}") from error
        except BotoCoreError as error:
            raise CliError(str(error)) from error


def _report(outcome: Outcome) -> None:
    said = {
        "created": "created",
        "updated": "updated",
        "unchanged": "already up to date",
        "started": "started (not waiting: `aws cloudformation describe-stacks` follows it)",
        "deleted": "deleted",
        "absent": "not there (nothing to delete)",
    }[outcome.action]
    console.print(f"Stack [bold]{outcome.stack}[/bold] {said}")


@aws_app.command("bootstrap")
def bootstrap(
    stage: str = STAGE,
    region: str | None = REGION,
    wait: bool = typer.Option(
        True,
        "--wait/--no-wait",
        help="Wait for the alarms and dashboard stacks too (quartermaster-<stage> is always "
        "waited for)",
    ),
    alarms: bool = typer.Option(
        True,
        "--alarms/--no-alarms",
        help="CloudWatch alarms ($0.10 a month each) and their SNS topic, the stack "
        "quartermaster-<stage>-alarms; --no-alarms on an update deletes it",
    ),
    dashboard: bool = typer.Option(
        True,
        "--dashboard/--no-dashboard",
        help="The CloudWatch dashboard ($3 a month beyond the account's first three), the stack "
        "quartermaster-<stage>-dashboard; --no-dashboard on an update deletes it",
    ),
) -> None:
    """Create or update the three stacks to make before `chalice deploy`.

    quartermaster-<stage>: the bus, tables, queues, log groups and roles that `chalice deploy`
    does not create; then quartermaster-<stage>-alarms (the alarms and their SNS topic) and
    quartermaster-<stage>-dashboard, each deleted when left out."""
    from infra import stacks
    from infra.definition import Watching

    with cli_errors():
        _known_stage(stage)
        cloudformation = _session(region).client("cloudformation")
        with _aws_errors(f"bootstrap {stage}") as progress:
            outcomes = stacks.bootstrap(
                cloudformation,
                stage,
                progress=progress,
                wait_for_it=wait,
                watching=Watching(alarms=alarms, dashboard=dashboard),
            )
    for outcome in outcomes:
        _report(outcome)
    console.print(f"Next: chalice deploy --stage {stage}, then qm aws wire --stage {stage}")


@aws_app.command("wire")
def wire(stage: str = STAGE, region: str | None = REGION, wait: bool = WAIT) -> None:
    """Create or update quartermaster-<stage>-wiring: the triggers of the deployed functions."""
    from infra import stacks
    from infra.definition import stack_name

    with cli_errors():
        _known_stage(stage)
        session = _session(region)
        cloudformation = session.client("cloudformation")
        with _aws_errors(f"wire {stage}") as progress:
            if stacks.describe(cloudformation, stack_name(stage)) is None:
                raise CliError(
                    f"no stack {stack_name(stage)}: run `qm aws bootstrap --stage {stage}` first",
                    exit_code=USAGE,
                )
            missing = stacks.missing_functions(session.client("lambda"), stage)
            if missing:
                raise CliError(
                    f"not deployed yet: {', '.join(missing)}; run `chalice deploy --stage "
                    f"{stage}` (same account and region) first",
                    exit_code=USAGE,
                )
            outcome = stacks.deploy(
                cloudformation, stage, "wiring", progress=progress, wait_for_it=wait
            )
    _report(outcome)


@aws_app.command("teardown")
def teardown(
    stage: str = STAGE,
    region: str | None = REGION,
    wait: bool = typer.Option(
        True,
        "--wait/--no-wait",
        help="Wait for the last three stacks (the wiring one is always waited for)",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
) -> None:
    """Delete the wiring, dashboard, alarms and bootstrap stacks; the tables are kept.

    The data tables have DeletionPolicy Retain; the functions and the API stay until
    `chalice delete`."""
    from infra import stacks
    from infra.definition import names

    with cli_errors():
        _known_stage(stage)
        if not yes and not typer.confirm(
            f"Delete the stacks of stage '{stage}' (its functions stop receiving events)?"
        ):
            raise typer.Exit(1)
        cloudformation = _session(region).client("cloudformation")
        with _aws_errors(f"teardown {stage}") as progress:
            outcomes = stacks.teardown(cloudformation, stage, progress=progress, wait_for_it=wait)
    for outcome in outcomes:
        _report(outcome)
    tables = [name for key, name in names(stage).items() if key.endswith("_table")]
    kept = ", ".join(table for table in tables if not table.endswith("-idempotency"))
    console.print(f"Kept (DeletionPolicy Retain): the tables {kept}.")
    console.print(
        f"Still there: the functions and API (`chalice delete --stage {stage}`), and the state "
        "machines and secrets made at run time (docs/operations.md, Teardown)."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(aws_app, name="aws")
