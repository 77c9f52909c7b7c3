"""Applying a uniform on moto, through the API and the applier handler: the rules on the bus
afterwards are exactly the uniform's (compared by listing the bus), after an apply, a re-apply,
an apply interrupted at any AWS call and run again, and a delete."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import container, reconcile_deps
from chalicelib.domain.bus_rules import ExistingRule, RuleSpec
from chalicelib.domain.subscriptions import uniform_subscriptions
from chalicelib.engine.uniform_rules import project_prefix, rule_for
from chalicelib.errors import DependencyFailure
from chalicelib.services.uniform.current import parse_uniform
from chalicelib.services.uniform.reconcile import ReconcileDeps, reconcile
from tests.integration.conftest import STAGE
from tests.integration.sequencing_harness import Harness, project_flow

BUS = f"quartermaster-{STAGE}"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: test
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: approval
            - name: deployment
            - name: release
"""
FIRST = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: shop-tools
spec:
  services:
    - name: deployer
      bus: arn:aws:events:us-east-1:123456789012:event-bus/tools
      events:
        - name: sh.keptn.event.deployment.triggered
        - name: sh.keptn.event.release.triggered
          selector:
            matchLabels: {stage: prod}
    - name: tester
      image: ghcr.io/acme/tests:1
      events:
        - name: sh.keptn.event.test.triggered
          selector:
            matchExpressions:
              - {key: tier, operator: NotIn, values: [bronze]}
    - name: watcher
      kind: http-poll
      events:
        - name: sh.keptn.event.deployment.finished
"""
# tester's image changes (a new rule), deployer loses release (its rule goes), a notifier comes.
SECOND = (
    FIRST.replace("tests:1", "tests:2")
    .replace(
        "        - name: sh.keptn.event.release.triggered\n"
        "          selector:\n            matchLabels: {stage: prod}\n",
        "",
    )
    .replace(
        "    - name: watcher\n",
        "    - name: notifier\n"
        "      bus: arn:aws:events:us-east-1:123456789012:event-bus/chat\n"
        "      events:\n        - name: sh.keptn.event.dev.delivery.finished\n"
        "    - name: watcher\n",
    )
)


@pytest.fixture
def shop(aws: None) -> Iterator[Harness]:
    with project_flow(
        SHIPYARD, start_settle_seconds=0, handler_delivery="sqs", lambda_targets=False
    ) as harness:
        yield harness


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def bus_rules() -> dict[str, dict[str, Any]]:
    """Every subscription rule on the bus: name -> its pattern and its one target."""
    events = boto3.client("events")
    found = {}
    for rule in events.list_rules(EventBusName=BUS, NamePrefix=f"qm-{STAGE}-u-")["Rules"]:
        targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=BUS)["Targets"]
        found[rule["Name"]] = {"pattern": json.loads(rule["EventPattern"]), "targets": targets}
    return found


def wanted_rules(text: str) -> dict[str, RuleSpec]:
    deployment = container().deployment
    assert deployment is not None
    rules = [
        rule_for(subscription, "shop", deployment())
        for subscription in uniform_subscriptions("shop", parse_uniform(text))
    ]
    return {rule.name: rule for rule in rules if rule is not None}


def matches_uniform(text: str) -> None:
    found = bus_rules()
    wanted = wanted_rules(text)
    assert set(found) == set(wanted)
    for name, rule in wanted.items():
        assert found[name]["pattern"] == json.loads(rule.pattern)
        assert [target["Arn"] for target in found[name]["targets"]] == [rule.target.arn]


def apply(shop: Harness, text: str) -> dict[str, Any]:
    status, answer = shop.api.call("PUT", "/v1/project/shop/uniform", {"uniform": b64(text)})
    assert status == 200, answer
    shop.settle(0.2)  # the applier runs from its queue
    return dict(answer)


def test_apply_re_apply_and_delete_leave_exactly_the_uniforms_rules(shop: Harness) -> None:
    answer = apply(shop, FIRST)

    assert len(bus_rules()) == 3  # deployer twice, tester; watcher polls (no rule)
    matches_uniform(FIRST)
    assert answer["uncovered"] == []
    state = shop.api.call("GET", "/v1/project/shop/uniform")[1]
    assert state["applied"]["commitID"] == answer["commitID"]
    assert state["applied"]["state"] == "applied"
    first_names = set(bus_rules())

    second = apply(shop, SECOND)
    assert second["uncovered"] == ["stage prod, sequence delivery: task release"]
    matches_uniform(SECOND)
    assert second["commitID"] > answer["commitID"]
    names = set(bus_rules())
    assert len(names & first_names) == 1  # deployer's deployment rule is unchanged
    assert len(names) == 3

    status, deleted = shop.api.call("DELETE", "/v1/project/shop/uniform")
    assert status == 200, deleted
    shop.settle(0.2)
    assert bus_rules() == {}
    state = shop.api.call("GET", "/v1/project/shop/uniform")[1]
    assert state["commitID"] == ""
    assert state["applied"]["state"] == "removed"
    history = shop.api.call("GET", "/v1/project/shop/resource/uniform.yaml")
    assert history[0] == 404  # gone now; its commits remain the uniform's history


def test_the_history_of_uniforms_is_the_history_of_uniform_yaml(shop: Harness) -> None:
    first = apply(shop, FIRST)["commitID"]
    apply(shop, SECOND)

    status, old = shop.api.call(
        "GET", f"/v1/project/shop/resource/uniform.yaml?gitCommitID={first}"
    )
    assert status == 200
    assert base64.b64decode(old["resourceContent"]).decode() == FIRST


def test_deleting_the_project_deletes_its_rules(shop: Harness) -> None:
    apply(shop, FIRST)
    assert bus_rules()

    assert shop.api.call("DELETE", "/v1/project/shop")[0] == 200
    shop.settle(0.2)

    assert bus_rules() == {}


class Crashing:
    """The real rules adapter, failing once at call number `crash_at` (a crash at that call:
    the call is not made)."""

    def __init__(self, real: Any, crash_at: int) -> None:
        self.real = real
        self.crash_at = crash_at
        self.calls = 0

    def _step(self) -> None:
        self.calls += 1
        if self.calls == self.crash_at:
            raise DependencyFailure(f"injected crash at call {self.crash_at}")

    def list_rules(self, prefix: str) -> list[ExistingRule]:
        self._step()
        found: list[ExistingRule] = self.real.list_rules(prefix)
        return found

    def put_rule(self, rule: RuleSpec) -> None:
        self._step()
        self.real.put_rule(rule)

    def delete_rule(self, name: str) -> None:
        self._step()
        self.real.delete_rule(name)


def test_an_apply_interrupted_at_any_call_and_run_again_converges(shop: Harness) -> None:
    apply(shop, FIRST)
    # The second uniform is committed; its apply then crashes at every call in turn.
    shop.api.call("PUT", "/v1/project/shop/uniform", {"uniform": b64(SECOND)})
    real: ReconcileDeps = reconcile_deps()
    crash_points = 0
    for crash_at in range(1, 20):
        crashing = Crashing(real.rules, crash_at)
        deps = ReconcileDeps(**{**real.__dict__, "rules": crashing})
        try:
            reconcile("shop", deps)
        except DependencyFailure:
            crash_points += 1
            reconcile("shop", real)  # the retry
            matches_uniform(SECOND)
            apply(shop, FIRST)  # back to the first, for the next crash point
            shop.api.call("PUT", "/v1/project/shop/uniform", {"uniform": b64(SECOND)})
            continue
        break
    assert crash_points >= 4  # the listing, the puts, the deletes
    shop.settle(0.2)
    matches_uniform(SECOND)
    prefix = project_prefix(STAGE, "shop")
    assert all(name.startswith(prefix) for name in bus_rules())


def test_a_uniform_written_through_the_resource_api_is_applied_too(shop: Harness) -> None:
    body = {"resources": [{"resourceURI": "uniform.yaml", "resourceContent": b64(FIRST)}]}
    status, commit = shop.api.call("POST", "/api/resource-service/v1/project/shop/resource", body)
    assert status == 200, commit
    shop.settle(0.2)

    matches_uniform(FIRST)
    state = shop.api.call("GET", "/v1/project/shop/uniform")[1]
    assert state["applied"]["commitID"] == commit["commitID"]

    stage_level = "/v1/project/shop/stage/dev/resource"
    assert (
        shop.api.call(
            "POST",
            stage_level,
            {"resources": [{"resourceURI": "uniform.yaml", "resourceContent": b64(SECOND)}]},
        )[0]
        == 200
    )
    shop.settle(0.2)
    matches_uniform(FIRST)  # only the project's own uniform.yaml is a uniform

    assert shop.api.call("DELETE", "/v1/project/shop/resource/uniform.yaml")[0] == 200
    shop.settle(0.2)
    assert bus_rules() == {}
