"""`qm aws token create`: an API token written with AWS credentials, not with an API token.

The way to the first token of a deployment, and to a new one when every token is lost.
"""

from __future__ import annotations

import json

import typer

from qm.client import CliError
from qm.commands.aws import REGION, STAGE, USAGE, _known_stage, _session, aws_app
from qm.output import cli_errors, console

token_app = typer.Typer(
    help="API tokens written with AWS credentials: the first one, or one to replace a lost one.",
    no_args_is_help=True,
)


def _config_table(stage: str) -> str:
    """The config table the stage's functions use: their QM_* variables, as Settings reads them."""
    from chalicelib.settings import Settings
    from infra.policies import CHALICE_DIR

    chalice = json.loads((CHALICE_DIR / "config.json").read_text())
    environment = {
        "QM_STAGE": stage,
        **chalice.get("environment_variables", {}),
        **chalice["stages"][stage].get("environment_variables", {}),
    }
    return Settings.from_environ(environment).config_table


@token_app.command("create")
def create_token(
    stage: str = STAGE,
    name: str = typer.Option("admin", "--name", help="Token name"),
    expires: str | None = typer.Option(
        None, "--expires", help="Lifetime, e.g. 30d, 12h (default: never expires)"
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace a token of that name (e.g. a lost admin token)"
    ),
    region: str | None = REGION,
) -> None:
    """Write a token's digest straight to the config table and print the token (once).

    Needs dynamodb:PutItem on quartermaster-<stage>-config, not an API token.
    """
    from datetime import UTC, datetime

    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.adapters.aws_clients import AwsClients
    from chalicelib.adapters.dynamodb_tokens import DynamoDbTokenStore
    from chalicelib.errors import QuartermasterError
    from chalicelib.services import tokens
    from chalicelib.services.auth import new_token

    with cli_errors():
        _known_stage(stage)
        session = _session(region)
        table = _config_table(stage)
        store = DynamoDbTokenStore(AwsClients(session), table)
        try:
            now = datetime.now(UTC)
            until = tokens.expiry(expires, None, now)
            who = "aws:" + session.client("sts").get_caller_identity()["Arn"]
            if replace:
                token, record = new_token(tokens.check_name(name), until, who, now)
                store.put_token(record)
            else:
                created = tokens.create_token(store, name, until, who, now)
                token, record = created.token, created.record
        except QuartermasterError as error:
            raise CliError(error.message, exit_code=USAGE) from error
        except ClientError as error:
            details = error.response.get("Error", {})
            if details.get("Code") == "ResourceNotFoundException":
                raise CliError(
                    f"no table {table}: run `qm aws bootstrap --stage {stage}` first",
                    exit_code=USAGE,
                ) from error
            raise CliError(f"{details.get('Code')}: {details.get('Message')}") from error
        except BotoCoreError as error:
            raise CliError(str(error)) from error
    lifetime = f"expires {record.expires}" if record.expires else "never expires"
    console.print(f"Token [bold]{name}[/bold] written to {table} ({lifetime}).")
    console.print("Keep it now; it is not shown again:")
    print(token)  # plain: no markup or wrapping inside the secret


def register(app: typer.Typer) -> None:
    # `qm aws` itself is added to the app by qm/commands/aws.py.
    aws_app.add_typer(token_app, name="token")
