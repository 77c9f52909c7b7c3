"""Names shared by every template: logical ids, physical names, and what a handler's trigger
implies (asynchronous or polled). The Lambda functions derive the same names in Settings."""

from __future__ import annotations

import re

from infra.handlers import HandlerSpec, queue_name

RETENTION_14_DAYS = 1209600
LOG_RETENTION_DAYS = 30
ASYNC_RETRIES = 2  # Lambda's retries of a failed asynchronous invocation, then the destination
APP_NAME = "quartermaster"  # .chalice/config.json app_name: Chalice names functions after it
API_HANDLER = "api_handler"  # Chalice's name for the REST API's function


def logical_id(name: str) -> str:
    """CloudFormation logical ids are alphanumeric: `get-sli` -> `GetSli`."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]", name) if part)


def function_name(stage: str, name: str) -> str:
    """The physical name `chalice deploy` gives a function; the packaged template sets the same."""
    if name == API_HANDLER:
        return f"{APP_NAME}-{stage}"
    return f"{APP_NAME}-{stage}-{name}"


def function_id(name: str) -> str:
    """The logical id `chalice package` gives a function (`task-events` -> `TaskEvents`)."""
    return "APIHandler" if name == API_HANDLER else logical_id(name)


def log_group_name(stage: str, name: str) -> str:
    return f"/aws/lambda/{function_name(stage, name)}"


def is_asynchronous(spec: HandlerSpec) -> bool:
    """Invoked asynchronously (by a bus rule or a schedule), so Lambda retries and then hands
    the event to an on-failure destination; queue-fed handlers are polled synchronously."""
    return spec.pattern is not None or spec.schedule_seconds is not None or spec.targeted


def subscription_rules(stage: str) -> str:
    """The names of the rules the uniform applier makes (chalicelib/engine/uniform_rules.py)."""
    return f"qm-{stage}-u-*"


def is_deduplicated(spec: HandlerSpec) -> bool:
    """Keeps idempotency records (chalicelib/idempotency.py decides at run time from the event's
    shape, with the same outcome): bus and queue deliveries are, except for handlers idempotent
    by design; the schedule's ticks are not."""
    from chalicelib.idempotency import IDEMPOTENT_BY_DESIGN

    return spec.schedule_seconds is None and spec.name not in IDEMPOTENT_BY_DESIGN


def failure_queue_name(stage: str, name: str) -> str:
    """Where an asynchronous handler's events go after its retries failed."""
    return f"{queue_name(stage, name)}-failed"


def arn_of(service: str, resource: str) -> dict[str, str]:
    """An ARN in the stack's own partition, region and account (for resources another stack or
    `chalice deploy` created, named by their physical names)."""
    where = "${AWS::Partition}:" + service + ":${AWS::Region}:${AWS::AccountId}"
    return {"Fn::Sub": f"arn:{where}:{resource}"}
