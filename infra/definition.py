"""Build the CloudFormation templates of Quartermaster's AWS resources.

One definition, four templates (`TemplateMode`):

- `lambda`: merged into the template `chalice package` writes (`--merge-template`): everything,
  the handlers wired to the Chalice functions by logical id, and the REST API's catch-all
  methods and gateway responses (infra/api_gateway.py);
- `bootstrap`: the `chalice deploy` route's first stack (`qm aws bootstrap`): what the functions
  need and `chalice deploy` does not create (bus, tables, queues, log groups, the states role,
  alarms, dashboard), before any function exists;
- `wiring`: that route's second stack (`qm aws wire`), after `chalice deploy`: rules,
  queue mappings and on-failure destinations, naming the deployed functions by ARN;
- `sqs`: the local runtime and the tests: each handler fed from a queue that the local
  dispatcher drains into the same handler code; nothing of a deployment.

`Watching` opts out of the alarms and of the dashboard (`--no-alarms`, `--no-dashboard`), the
two things of a deployment that cost money every month whether it is used or not
(docs/operations.md, What it costs idle); the `sqs` and `wiring` modes have neither anyway.

The checkov findings that do not apply are suppressed on their resources, with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from infra.api_gateway import rest_api_overlay
from infra.bridge import bridge_outputs, bridge_resources
from infra.handlers import HANDLERS, queue_name
from infra.monitoring import alarms, dashboard
from infra.naming import API_HANDLER, ASYNC_RETRIES, function_id, is_asynchronous, logical_id
from infra.resources import failure_queues, internal_queues, log_groups, states_role
from infra.tables import (
    config_table,
    deployments_table,
    evaluations_table,
    events_table,
    idempotency_table,
    runs_table,
)
from infra.wiring import function_overlays, handler_triggers, invoke_configs

__all__ = [
    "TEMPLATE_MODES",
    "TemplateMode",
    "Watching",
    "build_template",
    "logical_id",
    "names",
    "queue_names",
    "stack_name",
    "template_json",
]

TemplateMode = Literal["lambda", "sqs", "bootstrap", "wiring"]
TEMPLATE_MODES: tuple[TemplateMode, ...] = ("lambda", "sqs", "bootstrap", "wiring")
TABLES = ("events", "config", "runs", "evaluations", "idempotency", "deployments")


@dataclass(frozen=True)
class Watching:
    """Which billed-at-rest monitoring a deployment gets: alarms ($0.10 a month each) and the
    dashboard ($3 a month beyond an account's first three). Both by default."""

    alarms: bool = True
    dashboard: bool = True


ALL_WATCHING = Watching()


def names(stage: str) -> dict[str, str]:
    """Physical names; the Lambda functions derive the same ones in Settings."""
    prefix = f"quartermaster-{stage}"
    return {
        "bus": prefix,
        **{f"{table}_table": f"{prefix}-{table}" for table in TABLES},
        "states_role": f"{prefix}-states",
    }


def stack_name(stage: str, mode: TemplateMode = "bootstrap") -> str:
    """`quartermaster-<stage>` (the packaged or the bootstrap stack: one route per stage), and
    `quartermaster-<stage>-wiring` for the wiring stack."""
    return f"quartermaster-{stage}-wiring" if mode == "wiring" else f"quartermaster-{stage}"


def _state(stage: str) -> dict[str, Any]:
    """The bus, the tables, the internal queues and the states role: every mode but `wiring`."""
    physical = names(stage)
    return {
        "EventBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": physical["bus"]}},
        "EventsTable": events_table(physical["events_table"]),
        "ConfigTable": config_table(physical["config_table"]),
        "RunsTable": runs_table(physical["runs_table"]),
        "EvaluationsTable": evaluations_table(physical["evaluations_table"]),
        "IdempotencyTable": idempotency_table(physical["idempotency_table"]),
        "DeploymentsTable": deployments_table(physical["deployments_table"]),
        **internal_queues(stage),
        **states_role(physical["states_role"], stage),
    }


def _watching(stage: str, watching: Watching) -> dict[str, Any]:
    """Log groups, on-failure queues, and (unless opted out) alarms and the dashboard."""
    physical = names(stage)
    functions = function_names()
    tables = [physical[f"{table}_table"] for table in TABLES]
    return {
        **log_groups(stage, functions),
        **failure_queues(stage),
        **(alarms(stage, functions) if watching.alarms else {}),
        **(dashboard(stage, functions, tables) if watching.dashboard else {}),
    }


def build_template(
    stage: str, mode: TemplateMode, watching: Watching = ALL_WATCHING
) -> dict[str, Any]:
    """The CloudFormation template (as a dict) for `stage` in `mode`; `watching` matters to the
    `lambda` and `bootstrap` modes only."""
    bus = names(stage)["bus"]
    resources: dict[str, Any] = {}
    if mode == "sqs":
        resources.update({**_state(stage), **handler_triggers(stage, bus, "sqs")})
    elif mode == "bootstrap":
        resources.update({**_state(stage), **_watching(stage, watching)})
        _suppress_checks(resources)
    elif mode == "wiring":
        resources.update({**handler_triggers(stage, bus, "arn"), **invoke_configs(stage, "arn")})
    else:
        resources.update(
            {
                **_state(stage),
                **_watching(stage, watching),
                **handler_triggers(stage, bus, "lambda"),
                **invoke_configs(stage, "lambda"),
                **function_overlays(stage, function_names()),
                **bridge_resources(),
                "RestAPI": rest_api_overlay(),
            }
        )
        _suppress_checks(resources, chalice=True)
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": DESCRIPTIONS[mode].format(stage=stage, watching=_watching_said(watching)),
        "Resources": resources,
    }
    if mode == "lambda":
        template["Outputs"] = bridge_outputs()
    return template


def _watching_said(watching: Watching) -> str:
    """`, alarms, dashboard` (or what is left of it) for the bootstrap stack's description."""
    kept = [("alarms", watching.alarms), ("dashboard", watching.dashboard)]
    return "".join(f", {name}" for name, included in kept if included)


DESCRIPTIONS: dict[TemplateMode, str] = {
    "lambda": "Quartermaster ({stage}): event bus, tables, queues, handler triggers",
    "sqs": "Quartermaster ({stage}): event bus, tables, queues, handler triggers",
    "bootstrap": "Quartermaster ({stage}) for chalice deploy: bus, tables, queues, log groups"
    "{watching} (qm aws bootstrap)",
    "wiring": "Quartermaster ({stage}) for chalice deploy: rules and queue mappings to "
    "the deployed functions (qm aws wire)",
}


def function_names() -> list[str]:
    """Every Lambda function of the app: the REST API's, then each handler's."""
    return [API_HANDLER, *(spec.name for spec in HANDLERS)]


# checkov findings that do not apply here, by check id: the reason goes into the template next
# to the resource (Metadata.checkov.skip), where a reviewer of the template reads it.
NO_VPC = (
    "CKV_AWS_117",
    "Calls only AWS APIs, over TLS with signed requests; inside a VPC it would need a NAT "
    "gateway or interface endpoints, billed by the hour, far more than Quartermaster costs idle.",
)
PLAIN_ENVIRONMENT = (
    "CKV_AWS_173",
    "The environment holds only the stage and service names, no secret (secrets live in "
    "Secrets Manager); Lambda encrypts it at rest with its AWS managed key.",
)
DESTINATION_NOT_DLQ = (
    "CKV_AWS_116",
    f"Asynchronous: after {ASYNC_RETRIES} retries the event goes to an on-failure destination "
    "(AWS::Lambda::EventInvokeConfig to an SQS queue), which checkov does not read.",
)
QUEUE_FED = (
    "CKV_AWS_116",
    "Fed by an SQS event source mapping (synchronous): a failed message goes to the "
    "queue's redrive dead-letter queue; a function DLQ applies to asynchronous invocations.",
)
API_SYNCHRONOUS = (
    "CKV_AWS_116",
    "Invoked synchronously by API Gateway: an error goes back to the caller; a function DLQ "
    "applies to asynchronous invocations only.",
)
API_CHECKS = (
    (
        "CKV_AWS_73",
        "X-Ray tracing is optional (chalice config `xray: true`); off by default so requests "
        "cost no traces.",
    ),
    (
        "CKV_AWS_76",
        "Access logging needs the account-wide API Gateway CloudWatch role "
        "(AWS::ApiGateway::Account, one per region), which a stack should not take over; "
        "every accepted event is stored in the events table and the handler logs errors.",
    ),
    (
        "CKV_AWS_120",
        "Answers depend on the caller's token and must be current (sequence states, events); "
        "a cache cluster is billed by the hour.",
    ),
)
BY_TYPE = {
    "AWS::DynamoDB::Table": (
        (
            "CKV_AWS_119",
            "Encrypted at rest with the AWS managed key (SSESpecification); a customer managed "
            "key costs a monthly fee per key and is an option for whoever needs one.",
        ),
    ),
    "AWS::SQS::Queue": (
        (
            "CKV_AWS_27",
            "Encrypted with SQS managed keys (SqsManagedSseEnabled: true), which this check "
            "does not recognise: it looks for KmsMasterKeyId only.",
        ),
    ),
    "AWS::SNS::Topic": (
        (
            "CKV_AWS_26",
            "Alarm notifications name an alarm and a metric, never a token or secret; CloudWatch "
            "cannot publish to a topic encrypted with the AWS managed key, and a customer "
            "managed key costs a monthly fee.",
        ),
    ),
    "AWS::Logs::LogGroup": (
        (
            "CKV_AWS_158",
            "CloudWatch Logs encrypts every log group at rest; a customer managed key costs a "
            "monthly fee, and no token or secret is ever logged.",
        ),
    ),
}


def _skip(resource: dict[str, Any], *checks: tuple[str, str]) -> None:
    if not checks:
        return
    skips = resource.setdefault("Metadata", {}).setdefault("checkov", {}).setdefault("skip", [])
    skips.extend({"id": check, "comment": reason} for check, reason in checks)


def _suppress_checks(resources: dict[str, Any], chalice: bool = False) -> None:
    for resource in resources.values():
        _skip(resource, *BY_TYPE.get(resource.get("Type", ""), ()))
    if not chalice:
        return
    # The functions and the API are generated by `chalice package`; these entries are merged
    # into them.
    _skip(resources[function_id(API_HANDLER)], NO_VPC, PLAIN_ENVIRONMENT, API_SYNCHRONOUS)
    for spec in HANDLERS:
        kind = DESTINATION_NOT_DLQ if is_asynchronous(spec) else QUEUE_FED
        _skip(resources[function_id(spec.name)], NO_VPC, PLAIN_ENVIRONMENT, kind)
    _skip(resources.setdefault("RestAPI", {}), *API_CHECKS)


def queue_names(stage: str) -> dict[str, str]:
    """Handler name -> the SQS queue the local dispatcher drains for it (schedules have none)."""
    found: dict[str, str] = {}
    for spec in HANDLERS:
        if spec.pattern is not None:
            found[spec.name] = queue_name(stage, spec.name)
        elif spec.queue is not None:
            found[spec.name] = queue_name(stage, spec.queue)
    return found


def template_json(stage: str, mode: TemplateMode, watching: Watching = ALL_WATCHING) -> str:
    return json.dumps(build_template(stage, mode, watching), indent=2, sort_keys=True)


def main(argv: list[str] | None = None) -> None:
    """`python -m infra.definition --stage prod [--mode lambda|sqs|bootstrap|wiring]
    [--no-alarms] [--no-dashboard]` prints the template."""
    import argparse

    parser = argparse.ArgumentParser(description="Print Quartermaster's CloudFormation template.")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--mode", choices=TEMPLATE_MODES, default="lambda")
    parser.add_argument(
        "--no-alarms",
        action="store_true",
        help="leave out the CloudWatch alarms ($0.10/month each)",
    )
    parser.add_argument(
        "--no-dashboard",
        action="store_true",
        help="leave out the CloudWatch dashboard ($3/month beyond the account's first three)",
    )
    arguments = parser.parse_args(argv)
    watching = Watching(alarms=not arguments.no_alarms, dashboard=not arguments.no_dashboard)
    print(template_json(arguments.stage, arguments.mode, watching))


if __name__ == "__main__":
    main()
