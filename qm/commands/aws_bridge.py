"""`qm aws publish-bridge`: upload the Bridge's files (app/) to the bucket the packaged template
creates (its stack output `BridgeBucket`), where the REST API serves them at `/<stage>/bridge/`
(infra/bridge.py). Content types are the ones the local runtime serves, so that browsers accept
the ES modules; files no longer in app/ are removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qm.client import CliError
from qm.commands.aws import REGION, STAGE, USAGE, _known_stage, _session, aws_app
from qm.output import cli_errors, console


def bucket_of(cloudformation: Any, stack: str) -> str:
    from botocore.exceptions import ClientError

    try:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as error:
        raise CliError(
            f"stack {stack} not found ({error.response['Error']['Message']}): deploy the packaged "
            "template first (README, Deploying)",
            exit_code=USAGE,
        ) from error
    for output in described.get("Outputs", []):
        if output["OutputKey"] == "BridgeBucket":
            return str(output["OutputValue"])
    raise CliError(
        f"stack {stack} has no BridgeBucket output: the Bridge is served by the packaged "
        "template only (not the chalice deploy route); deploy it with `chalice package`",
        exit_code=USAGE,
    )


def publish(s3: Any, bucket: str, root: Path) -> tuple[int, int]:
    """Upload every file under `root` to `bridge/...`; delete objects no file matches.
    Returns (uploaded, deleted)."""
    from infra.bridge import PREFIX
    from qm.local.static import CONTENT_TYPES

    wanted = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = f"{PREFIX}/{path.relative_to(root).as_posix()}"
        kind = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind)
        wanted[key] = kind
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{PREFIX}/"):
        stale += [item["Key"] for item in page.get("Contents", []) if item["Key"] not in wanted]
    for start in range(0, len(stale), 1000):
        chunk = [{"Key": key} for key in stale[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
    return len(wanted), len(stale)


@aws_app.command("publish-bridge")
def publish_bridge(stage: str = STAGE, region: str | None = REGION) -> None:
    """Upload the Bridge (app/) to the stage's bucket; it is then at <API URL>/bridge/."""
    from infra.definition import stack_name
    from qm.local.static import APP_DIR

    with cli_errors():
        _known_stage(stage)
        session = _session(region)
        stack = stack_name(stage, "lambda")
        bucket = bucket_of(session.client("cloudformation"), stack)
        with console.status(f"uploading {APP_DIR} to s3://{bucket}/bridge/"):
            uploaded, deleted = publish(session.client("s3"), bucket, APP_DIR)
    console.print(f"Published {uploaded} files to s3://{bucket}/bridge/ ({deleted} old removed).")
    console.print("Open <the stack's EndpointURL output>bridge/ and enter an API token.")


def register(app: typer.Typer) -> None:
    # `qm aws` itself is added to the app by qm/commands/aws.py.
    pass
