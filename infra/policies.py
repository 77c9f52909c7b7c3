"""Least-privilege IAM policies, one per Lambda function, and the Chalice settings that use them.

Chalice's automatic policy only scans app.py, so `autogen_policy` is off and each function gets a
policy written from its entry in `ACCESS` (infra/access.py: what its code really calls), scoped
by ARN to this deployment's tables, indexes, bus, queues, state machines, secrets and its own log
group.

    python -m infra.policies --write

regenerates `.chalice/policy-<stage>-<function>.json` and the `lambda_functions` entries of
`.chalice/config.json` (policy file, memory, timeout, reserved concurrency) for every stage
there; tests/infra checks that the committed files are what it generates. A new handler needs an
entry in `ACCESS` (and its HandlerSpec): generating fails until it has one. What follows from the
HandlerSpec is added without an entry: its queue, its on-failure queue, and the idempotency
table for every handler that keeps idempotency records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.access import ACCESS, IDEMPOTENCY, Can
from infra.definition import function_names, names
from infra.handlers import CONTROL_QUEUE, HANDLERS, INTERNAL_QUEUES, HandlerSpec, queue_name
from infra.naming import (
    API_HANDLER,
    failure_queue_name,
    is_asynchronous,
    is_deduplicated,
    log_group_name,
)
from infra.tables import EVALUATION_INDEXES, EVENT_INDEXES, RUN_INDEXES

TABLE_INDEXES: dict[str, Any] = {
    "events": EVENT_INDEXES,
    "config": {},
    "runs": RUN_INDEXES,
    "evaluations": EVALUATION_INDEXES,
    "idempotency": {},
    "deployments": {},
}
ROOT = Path(__file__).resolve().parent.parent
CHALICE_DIR = ROOT / ".chalice"


@dataclass(frozen=True)
class FunctionSettings:
    """Sizing of a function that is not a HandlerSpec: the REST API's."""

    memory_mb: int
    timeout_s: int
    reserved_concurrency: int


# The API handler: 512 MB (a cold start imports pydantic and the routes; more memory is more
# CPU, and a person or a CI job waits for the answer); 29 s, API Gateway's own limit.
API_SETTINGS = FunctionSettings(memory_mb=512, timeout_s=29, reserved_concurrency=20)

# Actions IAM cannot scope to a resource: they are granted on "*", and nothing else is.
UNSCOPED_ACTIONS = {
    # A task token names one waiting task of one execution; the action has no resource type.
    "states:SendTaskSuccess": "a task token is the scope; the action has no resource type",
    # Listing is filtered by name prefix in the request; the action has no resource type.
    "secretsmanager:ListSecrets": "lists are filtered by prefix; the action has no resource type",
    # Metric queries name their metrics in the request; the action has no resource type.
    "cloudwatch:GetMetricData": "metrics are named in the request; the action has no resource type",
}

# sts:GetCallerIdentity (the account id for state machine ARNs) needs no permission.


def _arn(service: str, resource: str, region: str = "*", account: str = "*") -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _statement(sid: str, actions: list[str] | tuple[str, ...], resources: list[str]) -> Any:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources[0] if len(resources) == 1 else resources,
    }


def _table_arns(stage: str) -> dict[str, str]:
    physical = names(stage)
    return {
        table: _arn("dynamodb", f"table/{physical[f'{table}_table']}") for table in TABLE_INDEXES
    }


def _spec(name: str) -> HandlerSpec | None:
    return next((spec for spec in HANDLERS if spec.name == name), None)


# What the executor does to a Lambda target (chalicelib/adapters/lambda_target.py).
LAMBDA_TARGET_ACTIONS = (
    "lambda:GetFunctionConfiguration",
    "lambda:ListVersionsByFunction",
    "lambda:UpdateFunctionCode",
    "lambda:PublishVersion",
    "lambda:GetAlias",
    "lambda:CreateAlias",
    "lambda:UpdateAlias",
    "lambda:GetFunctionUrlConfig",
)
# Lambda reads a new version's code with the caller's rights: a zip from S3, an image from ECR.
ARTIFACT_ACTIONS = {
    "buckets": ("s3:GetObject", "s3:GetObjectVersion"),
    "repositories": ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
}


@dataclass(frozen=True)
class TargetLists:
    """What a stage's deployer may change: its QM_TARGET_* settings (.chalice/config.json)."""

    functions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    buckets: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()


def target_lists(stage: str, chalice_dir: Path = CHALICE_DIR) -> TargetLists:
    """The stage's lists, read as the functions read them (chalicelib.settings)."""
    from chalicelib.settings import Settings

    config = json.loads((chalice_dir / "config.json").read_text())
    environment = config["stages"].get(stage, {}).get("environment_variables", {})
    settings = Settings.from_environ({**environment, "QM_STAGE": stage})
    return TargetLists(
        functions=settings.target_functions,
        roles=settings.target_roles,
        clusters=settings.target_clusters,
        buckets=settings.target_buckets,
        repositories=settings.target_repositories,
    )


def _under(service: str, resource: str, entry: str) -> str:
    """An entry of a target list as an ARN: kept when it is one, else `<resource><entry>`."""
    return entry if entry.startswith("arn:") else _arn(service, f"{resource}{entry}")


def _target_statements(targets: TargetLists) -> list[Any]:
    statements: list[Any] = []
    if targets.functions:
        functions = [_under("lambda", "function:", entry) for entry in targets.functions]
        # Aliases and versions are the function's ARN and a qualifier.
        resources = [arn for function in functions for arn in (function, f"{function}:*")]
        statements.append(_statement("LambdaTargets", LAMBDA_TARGET_ACTIONS, resources))
    if targets.buckets:
        objects = [f"arn:aws:s3:::{bucket}/*" for bucket in targets.buckets]
        statements.append(_statement("ArtifactBuckets", ARTIFACT_ACTIONS["buckets"], objects))
    if targets.repositories:
        repositories = [_under("ecr", "repository/", entry) for entry in targets.repositories]
        statements.append(
            _statement("ArtifactImages", ARTIFACT_ACTIONS["repositories"], repositories)
        )
    if targets.roles:
        statements.append(_statement("TargetRoles", ["sts:AssumeRole"], list(targets.roles)))
    if targets.clusters:
        clusters = [_under("eks", "cluster/", entry) for entry in targets.clusters]
        statements.append(_statement("EksTargets", ["eks:DescribeCluster"], clusters))
    return statements


def policy(stage: str, name: str, targets: TargetLists | None = None) -> dict[str, Any]:
    """The IAM policy document of function `name` in `stage`; `targets` defaults to the
    stage's lists in .chalice/config.json."""
    if name not in ACCESS:
        raise KeyError(
            f"function '{name}' has no entry in infra/access.py ACCESS: say which tables, "
            "indexes, bus, state machines and secrets it touches, then run "
            "`python -m infra.policies --write`"
        )
    access = ACCESS[name]
    spec = _spec(name)
    physical = names(stage)
    log_group = log_group_name(stage, name)
    statements: list[Any] = [
        _statement("LogGroup", ["logs:CreateLogGroup"], [_arn("logs", f"log-group:{log_group}")]),
        _statement(
            "LogStreams",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [_arn("logs", f"log-group:{log_group}:*")],
        ),
    ]
    tables = _table_arns(stage)
    for grant in access.tables:
        unknown = set(grant.indexes) - set(TABLE_INDEXES[grant.table])
        if unknown:
            raise KeyError(f"{name}: table {grant.table} has no index {sorted(unknown)}")
        title = grant.table.capitalize()
        statements.append(_statement(f"{title}Table", grant.actions, [tables[grant.table]]))
        if grant.indexes:
            statements.append(
                _statement(
                    f"{title}Indexes",
                    ["dynamodb:Query"],
                    [f"{tables[grant.table]}/index/{index}" for index in grant.indexes],
                )
            )
    if spec is not None and is_deduplicated(spec):
        statements.append(_statement("IdempotencyTable", IDEMPOTENCY, [tables["idempotency"]]))
    if spec is not None and spec.queue is not None:
        statements.append(
            _statement(
                "ReadOwnQueue",
                ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                [_arn("sqs", queue_name(stage, spec.queue))],
            )
        )
    if spec is not None and is_asynchronous(spec):
        statements.append(
            _statement(
                "OnFailureDestination",
                ["sqs:SendMessage"],
                [_arn("sqs", failure_queue_name(stage, name))],
            )
        )
    machines = _arn("states", f"stateMachine:qm-{stage}-*")
    executions = _arn("states", f"execution:qm-{stage}-*:*")
    if Can.PUBLISH in access.can:
        bus = _arn("events", f"event-bus/{physical['bus']}")
        statements.append(_statement("PublishOnBus", ["events:PutEvents"], [bus]))
    if Can.START_RUNS in access.can:
        statements.append(_statement("StartRuns", ["states:StartExecution"], [machines]))
    if Can.STOP_RUNS in access.can:
        statements.append(_statement("StopRuns", ["states:StopExecution"], [executions]))
    if Can.DEPLOY_MACHINES in access.can:
        statements.append(
            _statement(
                "DeployStateMachines",
                ["states:CreateStateMachine", "states:UpdateStateMachine"],
                [machines],
            )
        )
        pass_role = _statement(
            "PassStatesRole",
            ["iam:PassRole"],
            [f"arn:aws:iam::*:role/{physical['states_role']}"],
        )
        pass_role["Condition"] = {"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}}
        statements.append(pass_role)
        statements.append(
            _statement(
                "FindInternalQueues",
                ["sqs:GetQueueUrl"],
                [_arn("sqs", queue_name(stage, queue)) for queue in INTERNAL_QUEUES],
            )
        )
    if Can.RESUME_TASKS in access.can:
        statements.append(_statement("ResumeTasks", ["states:SendTaskSuccess"], ["*"]))
    if Can.MANAGE_SECRETS in access.can:
        statements.append(
            _statement(
                "Secrets",
                [
                    "secretsmanager:CreateSecret",
                    "secretsmanager:UpdateSecret",
                    "secretsmanager:DeleteSecret",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                ],
                [_arn("secretsmanager", f"secret:quartermaster/{stage}/*")],
            )
        )
        statements.append(_statement("ListSecrets", ["secretsmanager:ListSecrets"], ["*"]))
    if Can.READ_SECRETS in access.can:
        statements.append(
            _statement(
                "ReadSecrets",
                ["secretsmanager:GetSecretValue"],
                [_arn("secretsmanager", f"secret:quartermaster/{stage}/*")],
            )
        )
    if Can.WEBHOOK_SECRETS in access.can:
        statements.append(
            _statement(
                "ReadWebhookSecrets",
                ["secretsmanager:GetSecretValue"],
                [_arn("secretsmanager", f"secret:quartermaster/{stage}/keptn-webhook-service/*")],
            )
        )
    if Can.LINK_KEY in access.can:
        statements.append(
            _statement(
                "ApprovalLinkKey",
                ["secretsmanager:CreateSecret", "secretsmanager:GetSecretValue"],
                [
                    _arn(
                        "secretsmanager",
                        f"secret:quartermaster/{stage}/quartermaster-internal/approval-links-*",
                    )
                ],
            )
        )
    if Can.READ_METRICS in access.can:
        statements.append(_statement("ReadMetrics", ["cloudwatch:GetMetricData"], ["*"]))
    if Can.SCHEDULE in access.can:
        control = _arn("sqs", queue_name(stage, CONTROL_QUEUE))
        statements.append(
            _statement("ScheduleDeadlines", ["sqs:GetQueueUrl", "sqs:SendMessage"], [control])
        )
    if Can.DEPLOY_TARGETS in access.can:
        statements.extend(_target_statements(targets or target_lists(stage)))
    return {"Version": "2012-10-17", "Statement": statements}


def settings(name: str) -> FunctionSettings:
    spec = _spec(name)
    if spec is None:
        if name != API_HANDLER:
            raise KeyError(f"function '{name}' is neither the API handler nor a HandlerSpec")
        return API_SETTINGS
    return FunctionSettings(spec.memory_mb, spec.timeout_s, spec.reserved_concurrency)


def policy_file(stage: str, name: str) -> str:
    return f"policy-{stage}-{name}.json"


def policy_files(stages: list[str]) -> dict[str, str]:
    """File name (in .chalice/) -> content, for every function and stage."""
    return {
        policy_file(stage, name): json.dumps(policy(stage, name), indent=2) + "\n"
        for stage in stages
        for name in function_names()
    }


def configured(config: dict[str, Any]) -> dict[str, Any]:
    """`config` (.chalice/config.json) with per-function policies and sizing for every stage.
    Stage-wide policy and sizing are removed: every function has its own."""
    updated: dict[str, Any] = json.loads(json.dumps(config))
    updated["autogen_policy"] = False
    for stage, stage_config in updated["stages"].items():
        for key in ("iam_policy_file", "lambda_memory_size", "lambda_timeout"):
            stage_config.pop(key, None)
        functions: dict[str, Any] = {}
        for name in function_names():
            sizing = settings(name)
            functions[name] = {
                "iam_policy_file": policy_file(stage, name),
                "lambda_memory_size": sizing.memory_mb,
                "lambda_timeout": sizing.timeout_s,
                "reserved_concurrency": sizing.reserved_concurrency,
            }
        stage_config["lambda_functions"] = functions
    return updated


def generated(chalice_dir: Path = CHALICE_DIR) -> dict[str, str]:
    """Every file `--write` writes (name in .chalice/ -> content), config.json included."""
    config = json.loads((chalice_dir / "config.json").read_text())
    files = policy_files(sorted(config["stages"]))
    files["config.json"] = json.dumps(configured(config), indent=2) + "\n"
    return files


def write(chalice_dir: Path = CHALICE_DIR) -> list[str]:
    """Write the generated files and remove policy files nothing uses any more."""
    files = generated(chalice_dir)
    for stale in chalice_dir.glob("policy-*.json"):
        if stale.name not in files:
            stale.unlink()
    for file_name, content in files.items():
        (chalice_dir / file_name).write_text(content)
    return sorted(files)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Per-function IAM policies for Chalice.")
    parser.add_argument("--write", action="store_true", help="write them into .chalice/")
    parser.add_argument("--stage", default="prod", help="without --write: print this stage's")
    arguments = parser.parse_args()
    if arguments.write:
        for file_name in write():
            print(f".chalice/{file_name}")
        return
    print(json.dumps({name: policy(arguments.stage, name) for name in function_names()}, indent=2))


if __name__ == "__main__":
    main()
