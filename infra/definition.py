"""Build the CloudFormation templates of Quartermaster's AWS resources.

One definition, four templates (`TemplateMode`):

- `lambda`: merged into the template `chalice package` writes (`--merge-template`): everything,
  the handlers wired to the Chalice functions by logical id, and the REST API's catch-all
  methods and gateway responses (infra/api_gateway.py);
- `bootstrap`: the `chalice deploy` route's first stack (`qm aws bootstrap`): what the functions
  need and `chalice deploy` does not create (bus, tables, queues, log groups, the states role),
  before any function exists;
- `alarms` and `dashboard`: that route's next two stacks, made by the same command: the alarms
  with their topic, and the dashboard; they name queues and functions by their physical names;
- `wiring`: that route's last stack (`qm aws wire`), after `chalice deploy`: rules,
  queue mappings and on-failure destinations, naming the deployed functions by ARN;
- `sqs`: the local runtime and the tests: each handler fed from a queue that the local
  dispatcher drains into the same handler code; nothing of a deployment.

The route has four stacks because CloudFormation takes at most 51,200 bytes of template inline
(`infra/stacks.py`), and every handler adds to each: split this way, each keeps a wide margin
for the next ones (tests/infra/test_stacks_split.py).

`Watching` opts out of the alarms and of the dashboard (`--no-alarms`, `--no-dashboard`), the
two things of a deployment that cost money every month whether it is used or not
(docs/operations.md, What it costs idle); an `alarms` or `dashboard` template opted out has no
resources, and the `sqs`, `bootstrap` and `wiring` modes have neither anyway.

The checkov findings that do not apply are suppressed on their resources, with the reason
(infra/checkov.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from infra.api_gateway import rest_api_overlay
from infra.bridge import bridge_outputs, bridge_resources
from infra.checkov import suppress_checks
from infra.containers import container_resources
from infra.handlers import HANDLERS, queue_name
from infra.monitoring import alarms, dashboard
from infra.naming import API_HANDLER, logical_id
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

TemplateMode = Literal["lambda", "sqs", "bootstrap", "alarms", "dashboard", "wiring"]
TEMPLATE_MODES: tuple[TemplateMode, ...] = (
    "lambda",
    "sqs",
    "bootstrap",
    "alarms",
    "dashboard",
    "wiring",
)
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
    `quartermaster-<stage>-<mode>` for the route's others (`-alarms`, `-dashboard`, `-wiring`)."""
    if mode in ("lambda", "sqs", "bootstrap"):
        return f"quartermaster-{stage}"
    return f"quartermaster-{stage}-{mode}"


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
        **container_resources(stage, physical["bus"]),
    }


def _surroundings(stage: str) -> dict[str, Any]:
    """The functions' log groups and the asynchronous handlers' on-failure queues."""
    return {**log_groups(stage, function_names()), **failure_queues(stage)}


def _alarms(stage: str, watching: Watching) -> dict[str, Any]:
    """The alarms with their topic, unless opted out."""
    return alarms(stage, function_names()) if watching.alarms else {}


def _dashboard(stage: str, watching: Watching) -> dict[str, Any]:
    """The dashboard, unless opted out."""
    if not watching.dashboard:
        return {}
    tables = [names(stage)[f"{table}_table"] for table in TABLES]
    return dashboard(stage, function_names(), tables)


def build_template(
    stage: str, mode: TemplateMode, watching: Watching = ALL_WATCHING
) -> dict[str, Any]:
    """The CloudFormation template (as a dict) for `stage` in `mode`; `watching` matters to the
    `lambda`, `alarms` and `dashboard` modes only (an opted-out `alarms` or `dashboard` template
    has no resources: `infra/stacks.py` deletes its stack rather than sending it)."""
    bus = names(stage)["bus"]
    resources: dict[str, Any] = {}
    if mode == "sqs":
        resources.update({**_state(stage), **handler_triggers(stage, bus, "sqs")})
    elif mode == "bootstrap":
        resources.update({**_state(stage), **_surroundings(stage)})
        suppress_checks(resources)
    elif mode == "alarms":
        resources.update(_alarms(stage, watching))
        suppress_checks(resources)
    elif mode == "dashboard":
        resources.update(_dashboard(stage, watching))
    elif mode == "wiring":
        resources.update({**handler_triggers(stage, bus, "arn"), **invoke_configs(stage, "arn")})
    else:
        resources.update(
            {
                **_state(stage),
                **_surroundings(stage),
                **_alarms(stage, watching),
                **_dashboard(stage, watching),
                **handler_triggers(stage, bus, "lambda"),
                **invoke_configs(stage, "lambda"),
                **function_overlays(stage, function_names()),
                **bridge_resources(),
                "RestAPI": rest_api_overlay(),
            }
        )
        suppress_checks(resources, chalice=True)
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": DESCRIPTIONS[mode].format(stage=stage),
        "Resources": resources,
    }
    if mode == "lambda":
        template["Outputs"] = bridge_outputs()
    return template


DESCRIPTIONS: dict[TemplateMode, str] = {
    "lambda": "Quartermaster ({stage}): event bus, tables, queues, handler triggers",
    "sqs": "Quartermaster ({stage}): event bus, tables, queues, handler triggers",
    "bootstrap": "Quartermaster ({stage}) for chalice deploy: bus, tables, queues, log groups "
    "(qm aws bootstrap)",
    "alarms": "Quartermaster ({stage}) for chalice deploy: alarms and their SNS topic "
    "(qm aws bootstrap)",
    "dashboard": "Quartermaster ({stage}) for chalice deploy: dashboard (qm aws bootstrap)",
    "wiring": "Quartermaster ({stage}) for chalice deploy: rules and queue mappings to "
    "the deployed functions (qm aws wire)",
}


def function_names() -> list[str]:
    """Every Lambda function of the app: the REST API's, then each handler's."""
    return [API_HANDLER, *(spec.name for spec in HANDLERS)]


def queue_names(stage: str) -> dict[str, str]:
    """Handler name -> the SQS queue the local dispatcher drains for it (schedules have none)."""
    found: dict[str, str] = {}
    for spec in HANDLERS:
        if spec.pattern is not None or spec.targeted:
            found[spec.name] = queue_name(stage, spec.name)
        elif spec.queue is not None:
            found[spec.name] = queue_name(stage, spec.queue)
    return found


def template_json(stage: str, mode: TemplateMode, watching: Watching = ALL_WATCHING) -> str:
    return json.dumps(build_template(stage, mode, watching), indent=2, sort_keys=True)


def main(argv: list[str] | None = None) -> None:
    """`python -m infra.definition --stage prod [--mode lambda|sqs|bootstrap|alarms|dashboard|
    wiring] [--no-alarms] [--no-dashboard]` prints the template."""
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
