"""How each handler is triggered: EventBridge rules, internal queues, schedules.

Three target modes:

- `lambda`: the triggers invoke the Chalice functions of the packaged template, by logical id
  (`chalice package` names a function `get-sli` as `GetSli`);
- `arn`: they invoke the functions `chalice deploy` created, by physical name and ARN, from a
  stack of their own (the wiring stack); the queues are the bootstrap stack's, named by ARN;
- `sqs`: for the local runtime, each bus rule delivers to a queue of its own, internal queues are
  left for the local dispatcher to drain, and schedules are run by the local runtime's clock.

Every asynchronously invoked function also gets an on-failure destination (`invoke_configs`): a
dead-letter queue after two retries.
"""

from __future__ import annotations

from typing import Any, Literal

from infra.handlers import DEFAULT_BUS, HANDLERS, HandlerSpec, queue_name
from infra.naming import (
    ASYNC_RETRIES,
    arn_of,
    failure_queue_name,
    function_id,
    function_name,
    is_asynchronous,
    logical_id,
    subscription_rules,
)
from infra.resources import failure_queue_id, internal_queue_id, log_group_id, queue

TargetMode = Literal["lambda", "sqs", "arn"]


def _function(stage: str, name: str, mode: TargetMode) -> Any:
    """What a `FunctionName` property holds: a Ref in the packaged template, else the name."""
    return {"Ref": function_id(name)} if mode == "lambda" else function_name(stage, name)


def _function_arn(stage: str, name: str, mode: TargetMode) -> Any:
    if mode == "lambda":
        return {"Fn::GetAtt": [function_id(name), "Arn"]}
    return arn_of("lambda", f"function:{function_name(stage, name)}")


def _queue_arn(queue_id: str, name: str, mode: TargetMode) -> Any:
    """A queue's ARN: from this template, or (`arn`) from the bootstrap stack, by name."""
    return arn_of("sqs", name) if mode == "arn" else {"Fn::GetAtt": [queue_id, "Arn"]}


def _invoke_permission(function: Any, source_arn: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function,
            "Principal": "events.amazonaws.com",
            "SourceArn": source_arn,
        },
    }


def _bus_rule(spec: HandlerSpec, stage: str, bus: str, mode: TargetMode) -> dict[str, Any]:
    rule_id = f"{logical_id(spec.name)}Rule"
    resources: dict[str, Any] = {}
    if mode == "sqs":
        own_queue = queue_name(stage, spec.name)
        resources.update(queue(own_queue, visibility_s=spec.queue_visibility_s))
        target_arn: Any = {"Fn::GetAtt": [f"{logical_id(own_queue)}Queue", "Arn"]}
    else:
        target_arn = _function_arn(stage, spec.name, mode)
        resources[f"{function_id(spec.name)}InvokePermission"] = _invoke_permission(
            _function(stage, spec.name, mode), {"Fn::GetAtt": [rule_id, "Arn"]}
        )
    on_default = spec.bus == DEFAULT_BUS
    resources[rule_id] = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Name": f"{bus}-{spec.name}",
            "Description": spec.description,
            # A literal bus name, not a Ref: moto's CloudFormation cannot resolve a Ref here,
            # and in `arn` mode the bus belongs to the bootstrap stack.
            "EventBusName": DEFAULT_BUS if on_default else bus,
            "EventPattern": _machine_events(spec, stage) if on_default else spec.pattern,
            "State": "ENABLED",
            "Targets": [{"Id": spec.name, "Arn": target_arn}],
        },
    }
    if mode != "arn" and not on_default:
        resources[rule_id]["DependsOn"] = ["EventBus"]
    return resources


def _machine_events(spec: HandlerSpec, stage: str) -> dict[str, Any]:
    """The spec's pattern narrowed to this deployment's state machines (`qm-<stage>-...`)."""
    pattern = dict(spec.pattern or {})
    detail = dict(pattern.get("detail", {}))
    detail["stateMachineArn"] = [{"wildcard": f"*:stateMachine:qm-{stage}-*"}]
    pattern["detail"] = detail
    return pattern


def _queue_source(spec: HandlerSpec, stage: str, mode: TargetMode) -> dict[str, Any]:
    assert spec.queue is not None
    return {
        f"{logical_id(spec.name)}QueueSource": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": _function(stage, spec.name, mode),
                "EventSourceArn": _queue_arn(
                    internal_queue_id(stage, spec.queue), queue_name(stage, spec.queue), mode
                ),
                "BatchSize": 1,
                # At most as many pollers as the function may run: more would be throttled and
                # push messages toward the dead-letter queue for nothing.
                "ScalingConfig": {"MaximumConcurrency": max(2, spec.reserved_concurrency)},
            },
        }
    }


def _schedule(spec: HandlerSpec, stage: str, bus: str, mode: TargetMode) -> dict[str, Any]:
    assert spec.schedule_seconds is not None
    rule_id = f"{logical_id(spec.name)}Schedule"
    minutes = max(1, spec.schedule_seconds // 60)
    return {
        rule_id: {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": f"{bus}-{spec.name}-schedule",
                "Description": spec.description,
                "ScheduleExpression": f"rate({minutes} minute{'s' if minutes > 1 else ''})",
                "State": "ENABLED",
                "Targets": [{"Id": spec.name, "Arn": _function_arn(stage, spec.name, mode)}],
            },
        },
        f"{logical_id(spec.name)}SchedulePermission": _invoke_permission(
            _function(stage, spec.name, mode), {"Fn::GetAtt": [rule_id, "Arn"]}
        ),
    }


def _targeted(spec: HandlerSpec, stage: str, bus: str, mode: TargetMode) -> dict[str, Any]:
    """A handler the uniform's subscription rules invoke: they are made at run time, so the
    permission covers every rule under their prefix on the bus (`sqs`: its queue, which they
    deliver to on the local runtime)."""
    if mode == "sqs":
        return queue(queue_name(stage, spec.name), visibility_s=spec.queue_visibility_s)
    rules = arn_of("events", f"rule/{bus}/{subscription_rules(stage)}")
    return {
        f"{function_id(spec.name)}RulesPermission": _invoke_permission(
            _function(stage, spec.name, mode), rules
        )
    }


def handler_triggers(stage: str, bus: str, mode: TargetMode) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for spec in HANDLERS:
        if spec.targeted:
            resources.update(_targeted(spec, stage, bus, mode))
        if spec.pattern is not None:
            # (`sqs`: a targeted handler's rule shares its queue, the same resource)
            resources.update(_bus_rule(spec, stage, bus, mode))
        elif spec.queue is not None and mode != "sqs":
            resources.update(_queue_source(spec, stage, mode))
        elif spec.schedule_seconds is not None and mode != "sqs":
            resources.update(_schedule(spec, stage, bus, mode))
    return resources


def invoke_configs(stage: str, mode: TargetMode) -> dict[str, Any]:
    """Two retries, then an asynchronous handler's event goes to its on-failure queue (with the
    error); the queues are `infra.resources.failure_queues`."""
    resources: dict[str, Any] = {}
    for spec in HANDLERS:
        if not is_asynchronous(spec):
            continue
        queue_id = failure_queue_id(spec.name)
        destination = _queue_arn(queue_id, failure_queue_name(stage, spec.name), mode)
        resources[f"{function_id(spec.name)}InvokeConfig"] = {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": _function(stage, spec.name, mode),
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": ASYNC_RETRIES,
                "DestinationConfig": {"OnFailure": {"Destination": destination}},
            },
        }
    return resources


def function_overlays(stage: str, names: list[str]) -> dict[str, Any]:
    """`lambda` mode: merged into each function `chalice package` generates (its Type and the
    rest stay): its physical name, and its log group first (`infra.resources.log_groups`)."""
    return {
        function_id(name): {
            "DependsOn": [log_group_id(name)],
            "Properties": {"FunctionName": function_name(stage, name)},
        }
        for name in names
    }
