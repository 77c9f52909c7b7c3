"""SubscriptionRules on EventBridge: the deployment's bus rules that deliver subscribed events.

Only rules under the deployment's subscription prefix are ever listed, written or deleted
(and the function's policy allows no others). Deleting a rule removes its targets first, as
EventBridge requires; a rule that is already gone counts as deleted.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.bus_rules import ExistingRule, RuleSpec, RuleTarget
from chalicelib.errors import DependencyFailure


class EventBridgeRules:
    def __init__(self, clients: AwsClients, bus_name: str) -> None:
        self._clients = clients
        self._bus = bus_name

    def list_rules(self, prefix: str) -> list[ExistingRule]:
        events = self._clients.events
        found: list[ExistingRule] = []
        token: str | None = None
        while True:
            page = events.list_rules(
                NamePrefix=prefix, EventBusName=self._bus, **({"NextToken": token} if token else {})
            )
            for rule in page.get("Rules", []):
                targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=self._bus)
                found.append(
                    ExistingRule(
                        name=rule["Name"],
                        pattern=rule.get("EventPattern", "{}"),
                        targets=tuple(_target(t) for t in targets.get("Targets", [])),
                    )
                )
            token = page.get("NextToken")
            if not token:
                return found

    def put_rule(self, rule: RuleSpec) -> None:
        events = self._clients.events
        events.put_rule(
            Name=rule.name,
            EventBusName=self._bus,
            EventPattern=rule.pattern,
            Description=rule.description,
            State="ENABLED",
        )
        answer = events.put_targets(
            Rule=rule.name, EventBusName=self._bus, Targets=[_target_request(rule.target)]
        )
        if answer.get("FailedEntryCount"):
            failure = answer["FailedEntries"][0]
            raise DependencyFailure(
                f"EventBridge refused the target of rule {rule.name}: "
                f"{failure.get('ErrorCode')} {failure.get('ErrorMessage')}"
            )

    def delete_rule(self, name: str) -> None:
        events = self._clients.events
        try:
            targets = events.list_targets_by_rule(Rule=name, EventBusName=self._bus)
            ids = [target["Id"] for target in targets.get("Targets", [])]
            if ids:
                events.remove_targets(Rule=name, EventBusName=self._bus, Ids=ids)
            events.delete_rule(Name=name, EventBusName=self._bus)
        except events.exceptions.ResourceNotFoundException:
            return


def _target_request(target: RuleTarget) -> dict[str, Any]:
    request: dict[str, Any] = {"Id": target.id, "Arn": target.arn}
    if target.role_arn:
        request["RoleArn"] = target.role_arn
    if target.input_path:
        request["InputPath"] = target.input_path
    if target.input_template is not None:
        request["InputTransformer"] = {
            "InputPathsMap": dict(target.input_paths),
            "InputTemplate": target.input_template,
        }
    return request


def _target(found: dict[str, Any]) -> RuleTarget:
    transformer = found.get("InputTransformer") or {}
    return RuleTarget(
        id=found["Id"],
        arn=found["Arn"],
        role_arn=found.get("RoleArn"),
        input_path=found.get("InputPath"),
        input_template=transformer.get("InputTemplate"),
        input_paths=tuple(sorted((transformer.get("InputPathsMap") or {}).items())),
    )
