"""Create, update and delete the stacks of the `chalice deploy` route (`qm aws ...`).

Four stacks, in this order: `bootstrap`, `alarms` and `dashboard` before `chalice deploy` (all
three by `qm aws bootstrap`), `wiring` after it (`qm aws wire`); `teardown` deletes them in
reverse. Each template goes inline (no bucket to own), so each must stay under CloudFormation's
limit; an opted-out `alarms` or `dashboard` stack is deleted (or never made).

The caller passes boto3 clients and a progress callback; everything here is plain decisions and
calls, so tests run it on moto. A stack carries a tag saying which template made it, so
`bootstrap` never replaces a stack of the other route (the packaged template uses the same name).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from infra.definition import ALL_WATCHING, TemplateMode, Watching, build_template, stack_name
from infra.handlers import HANDLERS
from infra.naming import function_name

INLINE_TEMPLATE_LIMIT = 51_200  # bytes: CreateStack/UpdateStack refuse a longer TemplateBody
WATCHERS: tuple[TemplateMode, ...] = ("alarms", "dashboard")  # each left out on its own
STACKS: tuple[TemplateMode, ...] = ("bootstrap", *WATCHERS, "wiring")  # in creation order
MARKER = "quartermaster:template"  # tag key; its value is the template mode
Progress = Callable[[str], None]
Action = Literal["created", "updated", "unchanged", "started", "deleted", "absent"]


class StackError(Exception):
    """A stack operation that cannot go on; the message names the stack, the cause and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    stack: str
    action: Action
    status: str = ""


def template_body(stage: str, mode: TemplateMode, watching: Watching = ALL_WATCHING) -> str:
    """The template as sent: compact JSON (indentation alone would cost a third of the limit)."""
    return _compact(build_template(stage, mode, watching))


def _compact(template: dict[str, Any]) -> str:
    return json.dumps(template, separators=(",", ":"), sort_keys=True)


def _client_error(error: Exception) -> tuple[str, str]:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    details = response.get("Error", {})
    return str(details.get("Code", "")), str(details.get("Message", error))


def describe(cloudformation: Any, name: str) -> dict[str, Any] | None:
    """The stack, or None when there is none (or only a deleted one)."""
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in _client_error(error)[1]:
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    stack: dict[str, Any] = stacks[0]
    return stack


def _event_ids(cloudformation: Any, name: str) -> set[str]:
    try:
        events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    except Exception:  # a stack being created may have no events yet
        return set()
    return {str(event["EventId"]) for event in events}


def wait(
    cloudformation: Any,
    name: str,
    progress: Progress,
    seen: set[str],
    poll_seconds: float,
    timeout_seconds: float = 3600,
) -> str:
    """Poll until the stack settles; report each new resource event; the final status.
    Raises StackError with the failed resources' reasons when it rolled back or failed."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        stack = describe(cloudformation, name)
        status = "DELETE_COMPLETE" if stack is None else str(stack["StackStatus"])
        failures: list[str] = []
        if stack is not None:
            events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
            for event in reversed(events):  # oldest first
                if event["EventId"] in seen:
                    continue
                seen.add(event["EventId"])
                resource_status = str(event.get("ResourceStatus", ""))
                progress(f"{event['LogicalResourceId']}: {resource_status}")
                if resource_status.endswith("_FAILED") and event.get("ResourceStatusReason"):
                    failures.append(
                        f"{event['LogicalResourceId']}: {event['ResourceStatusReason']}"
                    )
        if not status.endswith("_IN_PROGRESS"):
            if "ROLLBACK" in status or status.endswith("_FAILED"):
                reasons = "; ".join(failures) or "see its events in the CloudFormation console"
                raise StackError(f"stack {name} ended in {status}: {reasons}")
            return status
        if time.monotonic() > deadline:
            raise StackError(f"stack {name} still {status} after {timeout_seconds:.0f} s")
        time.sleep(poll_seconds)


def _check_owner(stack: dict[str, Any], name: str, mode: TemplateMode) -> None:
    tags = {tag["Key"]: tag["Value"] for tag in stack.get("Tags", [])}
    if tags.get(MARKER) != mode:
        raise StackError(
            f"stack {name} exists but `qm aws` did not create it (no tag {MARKER}={mode}); it "
            "is probably the packaged deployment (docs/operations.md): a stage uses one route, "
            "so deploy this stage the way it was deployed, or use another stage name"
        )


def deploy(
    cloudformation: Any,
    stage: str,
    mode: TemplateMode,
    *,
    progress: Progress,
    wait_for_it: bool = True,
    poll_seconds: float = 5,
    watching: Watching = ALL_WATCHING,
) -> Outcome:
    """Create the stack of `mode` (one of STACKS) for `stage`, or update it; an update with
    alarms or the dashboard opted out (`watching`) removes them from the stack, and a template
    left with no resource (CloudFormation refuses one) deletes its stack."""
    from botocore.exceptions import ClientError

    name = stack_name(stage, mode)
    template = build_template(stage, mode, watching)
    if not template["Resources"]:
        return delete(
            cloudformation,
            stage,
            mode,
            progress=progress,
            wait_for_it=wait_for_it,
            poll_seconds=poll_seconds,
        )
    body = _compact(template)
    if len(body.encode()) > INLINE_TEMPLATE_LIMIT:
        raise StackError(
            f"the {mode} template is {len(body.encode())} bytes, over CloudFormation's "
            f"{INLINE_TEMPLATE_LIMIT} for an inline template: split it in infra/definition.py"
        )
    stack = describe(cloudformation, name)
    if stack is not None:
        _check_owner(stack, name, mode)
        status = str(stack["StackStatus"])
        if status == "ROLLBACK_COMPLETE":
            # A first creation that failed: nothing is left in it but what it retains (tables),
            # and CloudFormation can only delete it.
            progress(f"{name}: removing the failed first attempt (ROLLBACK_COMPLETE)")
            delete(cloudformation, stage, mode, progress=progress, poll_seconds=poll_seconds)
            stack = None
        elif status.endswith("_IN_PROGRESS"):
            raise StackError(f"stack {name} is busy ({status}): wait for it, then run again")
        elif status.endswith("_FAILED"):
            raise StackError(
                f"stack {name} is {status}: repair it first (for UPDATE_ROLLBACK_FAILED: "
                f"aws cloudformation continue-update-rollback --stack-name {name})"
            )
    request: dict[str, Any] = {
        "StackName": name,
        "TemplateBody": body,
        "Capabilities": ["CAPABILITY_NAMED_IAM"],  # the states role has a fixed name
        "Tags": [{"Key": MARKER, "Value": mode}],
    }
    seen = _event_ids(cloudformation, name) if stack is not None else set()
    if stack is None:
        cloudformation.create_stack(**request)
        action: Action = "created"
    else:
        try:
            cloudformation.update_stack(**request)
        except ClientError as error:
            if "No updates are to be performed" in _client_error(error)[1]:
                return Outcome(name, "unchanged", str(stack["StackStatus"]))
            raise
        action = "updated"
    if not wait_for_it:
        return Outcome(name, "started")
    return Outcome(name, action, wait(cloudformation, name, progress, seen, poll_seconds))


def delete(
    cloudformation: Any,
    stage: str,
    mode: TemplateMode,
    *,
    progress: Progress,
    wait_for_it: bool = True,
    poll_seconds: float = 5,
) -> Outcome:
    """Delete the stack of `mode` for `stage` (what it retains stays: the tables)."""
    name = stack_name(stage, mode)
    stack = describe(cloudformation, name)
    if stack is None:
        return Outcome(name, "absent")
    _check_owner(stack, name, mode)
    seen = _event_ids(cloudformation, name)
    cloudformation.delete_stack(StackName=stack["StackId"])
    if not wait_for_it:
        return Outcome(name, "started")
    return Outcome(name, "deleted", wait(cloudformation, name, progress, seen, poll_seconds))


def bootstrap(
    cloudformation: Any,
    stage: str,
    *,
    progress: Progress,
    wait_for_it: bool = True,
    poll_seconds: float = 5,
    watching: Watching = ALL_WATCHING,
) -> list[Outcome]:
    """The three stacks before `chalice deploy`: `bootstrap`, then `alarms` and `dashboard`. The
    first is always waited for: a bootstrap stack of an earlier release holds the alarms, their
    topic and the dashboard, and its update must have removed them before the other two create
    them under the same names."""
    first = deploy(cloudformation, stage, "bootstrap", progress=progress, poll_seconds=poll_seconds)
    return [first] + [
        deploy(
            cloudformation,
            stage,
            mode,
            progress=progress,
            wait_for_it=wait_for_it,
            poll_seconds=poll_seconds,
            watching=watching,
        )
        for mode in WATCHERS
    ]


def teardown(
    cloudformation: Any,
    stage: str,
    *,
    progress: Progress,
    wait_for_it: bool = True,
    poll_seconds: float = 5,
) -> list[Outcome]:
    """Delete the stacks in reverse order. The wiring stack is always waited for: a bus with
    rules on it cannot be deleted. The alarms and the dashboard name the others' resources by
    name only, so their stacks need not be gone before the bootstrap stack goes."""
    first = delete(cloudformation, stage, "wiring", progress=progress, poll_seconds=poll_seconds)
    return [first] + [
        delete(
            cloudformation,
            stage,
            mode,
            progress=progress,
            wait_for_it=wait_for_it,
            poll_seconds=poll_seconds,
        )
        for mode in reversed(STACKS[:-1])
    ]


def missing_functions(lambda_client: Any, stage: str) -> list[str]:
    """The handler functions `chalice deploy --stage <stage>` has not created (yet)."""
    missing = []
    for spec in HANDLERS:
        name = function_name(stage, spec.name)
        try:
            lambda_client.get_function(FunctionName=name)
        except lambda_client.exceptions.ResourceNotFoundException:
            missing.append(name)
    return missing
