"""Build the CloudFormation template of Quartermaster's AWS resources.

One function, two targets: `lambda` wires each handler to its Chalice function (merged into the
template `chalice package` writes), `sqs` wires each to a queue that the local runtime's
dispatcher drains into the same handler code. Everything else is identical.
"""

from __future__ import annotations

import json
from typing import Any

from infra.handlers import HANDLERS, queue_name
from infra.tables import config_table, events_table, runs_table
from infra.wiring import TargetMode, handler_triggers, internal_queues, logical_id, states_role

__all__ = ["TargetMode", "build_template", "logical_id", "names", "queue_names", "template_json"]


def names(stage: str) -> dict[str, str]:
    """Physical names; the Lambda functions derive the same ones in Settings."""
    prefix = f"quartermaster-{stage}"
    return {
        "bus": prefix,
        "events_table": f"{prefix}-events",
        "config_table": f"{prefix}-config",
        "runs_table": f"{prefix}-runs",
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
        **internal_queues(stage),
        **states_role(physical["states_role"], stage),
        **handler_triggers(stage, physical["bus"], mode),
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Quartermaster ({stage}): event bus, tables, queues, handler triggers",
        "Resources": resources,
    }


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
