"""Build the CloudFormation template of Quartermaster's AWS resources.

One function, two targets: `lambda` wires each handler to its Chalice function (merged into the
template `chalice package` writes), `sqs` wires each to a queue that the local runtime's
dispatcher drains into the same handler code. Everything else is identical, except what only a
deployment has: function log groups, on-failure destinations, alarms and the dashboard, and the
checkov findings that do not apply (each suppressed on its resource, with the reason).
"""

from __future__ import annotations

import json
from typing import Any

from infra.handlers import HANDLERS, queue_name
from infra.monitoring import alarms, dashboard
from infra.tables import config_table, evaluations_table, events_table, runs_table
from infra.wiring import (
    API_HANDLER,
    ASYNC_RETRIES,
    TargetMode,
    function_id,
    function_settings,
    handler_triggers,
    internal_queues,
    is_asynchronous,
    logical_id,
    states_role,
)

__all__ = ["TargetMode", "build_template", "logical_id", "names", "queue_names", "template_json"]


def names(stage: str) -> dict[str, str]:
    """Physical names; the Lambda functions derive the same ones in Settings."""
    prefix = f"quartermaster-{stage}"
    return {
        "bus": prefix,
        "events_table": f"{prefix}-events",
        "config_table": f"{prefix}-config",
        "runs_table": f"{prefix}-runs",
        "evaluations_table": f"{prefix}-evaluations",
        "states_role": f"{prefix}-states",
    }


def build_template(stage: str, mode: TargetMode) -> dict[str, Any]:
    """The CloudFormation template (as a dict) for `stage`, handlers wired for `mode`."""
    physical = names(stage)
    resources: dict[str, Any] = {
        "EventBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": physical["bus"]}},
        "EventsTable": events_table(physical["events_table"]),
        "ConfigTable": config_table(physical["config_table"]),
        "RunsTable": runs_table(physical["runs_table"]),
        "EvaluationsTable": evaluations_table(physical["evaluations_table"]),
        **internal_queues(stage),
        **states_role(physical["states_role"], stage),
        **handler_triggers(stage, physical["bus"], mode),
    }
    if mode == "lambda":
        functions = function_names()
        tables = [
            physical[f"{table}_table"] for table in ("events", "config", "runs", "evaluations")
        ]
        resources.update(function_settings(stage, functions))
        resources.update(alarms(stage, functions))
        resources.update(dashboard(stage, functions, tables))
        _suppress_checks(resources)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Quartermaster ({stage}): event bus, tables, queues, handler triggers",
        "Resources": resources,
    }


def function_names() -> list[str]:
    """Every Lambda function of the app: the REST API's, then each handler's."""
    return [API_HANDLER, *(spec.name for spec in HANDLERS)]


# checkov findings that do not apply here, by check id: the reason goes into the template next
# to the resource (Metadata.checkov.skip), where a reviewer of the template reads it.
NO_VPC = (
    "CKV_AWS_117",
    "Calls only AWS APIs, over TLS with signed requests; inside a VPC it would need a NAT "
    "gateway or interface endpoints, billed by the hour, and Quartermaster costs nothing idle.",
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


def _suppress_checks(resources: dict[str, Any]) -> None:
    for resource in resources.values():
        _skip(resource, *BY_TYPE.get(resource.get("Type", ""), ()))
    # The functions and the API are generated by `chalice package`; these entries are merged
    # into them.
    _skip(resources[function_id(API_HANDLER)], NO_VPC, PLAIN_ENVIRONMENT, API_SYNCHRONOUS)
    for spec in HANDLERS:
        kind = DESTINATION_NOT_DLQ if is_asynchronous(spec) else QUEUE_FED
        _skip(resources[function_id(spec.name)], NO_VPC, PLAIN_ENVIRONMENT, kind)
    resources["RestAPI"] = {}
    _skip(resources["RestAPI"], *API_CHECKS)


def queue_names(stage: str) -> dict[str, str]:
    """Handler name -> the SQS queue the local dispatcher drains for it (schedules have none)."""
    found: dict[str, str] = {}
    for spec in HANDLERS:
        if spec.pattern is not None:
            found[spec.name] = queue_name(stage, spec.name)
        elif spec.queue is not None:
            found[spec.name] = queue_name(stage, spec.queue)
    return found


def template_json(stage: str, mode: TargetMode) -> str:
    return json.dumps(build_template(stage, mode), indent=2, sort_keys=True)


def main() -> None:
    """`python -m infra.definition --stage prod [--mode lambda|sqs]` prints the template."""
    import argparse

    parser = argparse.ArgumentParser(description="Print Quartermaster's CloudFormation template.")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--mode", choices=("lambda", "sqs"), default="lambda")
    arguments = parser.parse_args()
    print(template_json(arguments.stage, arguments.mode))


if __name__ == "__main__":
    main()
