"""The kinds of executor a uniform service names, and the subscriptions a uniform makes."""

from __future__ import annotations

import pytest

from chalicelib.domain.executors import ExecutorKind, path_steps
from chalicelib.domain.subscriptions import (
    Origin,
    SubscriptionFilter,
    subject_matches,
    uniform_subscriptions,
)
from chalicelib.domain.uniform import Uniform
from chalicelib.domain.yamldoc import document_problems, parse_document

HEAD = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: tools
spec:
  services:
"""


def one(service: str) -> str:
    return HEAD + "".join(f"    {line}\n" for line in service.strip("\n").splitlines())


def problems(text: str) -> list[str]:
    return document_problems(text, Uniform, "uniform.yaml")


def kind_of(text: str) -> ExecutorKind:
    return parse_document(text, Uniform, "uniform.yaml").spec.services[0].executor().kind


@pytest.mark.parametrize(
    ("service", "kind"),
    [
        ("- name: t\n  image: ghcr.io/acme/tests:1", ExecutorKind.IMAGE),
        ("- name: t\n  function: deployer", ExecutorKind.LAMBDA),
        (
            "- name: t\n  function: arn:aws:lambda:eu-west-1:111122223333:function:deployer:live",
            ExecutorKind.LAMBDA,
        ),
        ("- name: t\n  hook: https://ci.example.com/hooks/test", ExecutorKind.WEBHOOK),
        ("- name: t\n  kind: webhook", ExecutorKind.WEBHOOK),
        (
            "- name: t\n  bus: arn:aws:events:eu-west-1:111122223333:event-bus/tools\n"
            "  roleArn: arn:aws:iam::444455556666:role/quartermaster-prod-targets-tools",
            ExecutorKind.BUS,
        ),
        ("- name: t\n  kind: http-poll", ExecutorKind.HTTP_POLL),
        ("- name: t\n  kind: process\n  command: [python, -m, tests]", ExecutorKind.PROCESS),
    ],
)
def test_the_kind_is_given_or_follows_from_the_target(service: str, kind: ExecutorKind) -> None:
    text = one(service)
    assert problems(text) == []
    assert kind_of(text) is kind


def test_an_image_service_keeps_its_run_settings() -> None:
    text = one(
        """
- name: load-tester
  image: ghcr.io/acme/load:2
  command: [/bin/load]
  args: [--users, "200"]
  maxRunTime: 20m
  cpu: 512
  memory: 2048
  env: {MODE: quick}
  envFromEvent: {URL: "$.data.deployment.deploymentURIsLocal[0]", EVENT: "$"}
"""
    )
    executor = parse_document(text, Uniform, "uniform.yaml").spec.services[0].executor()

    assert executor.command == ("/bin/load",)
    assert executor.args == ("--users", "200")
    assert executor.max_run_seconds == 1200
    assert (executor.cpu, executor.memory) == (512, 2048)
    assert executor.env == (("MODE", "quick"),)
    assert executor.env_from_event == (
        ("EVENT", "$"),
        ("URL", "$.data.deployment.deploymentURIsLocal[0]"),
    )


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        (
            "- name: t\n  kind: lambda",
            "spec.services[0] (line 7): kind lambda needs 'function'",
        ),
        (
            "- name: t\n  kind: image\n  image: busybox\n  function: deployer",
            "spec.services[0].function 'deployer' (line 10): 'function' is for kind lambda, not "
            "kind image",
        ),
        (
            "- name: t\n  function: deployer\n  hook: https://x.example",
            "spec.services[0] (line 7): 'function' and 'hook' each name an executor; a service "
            "has one",
        ),
        (
            "- name: t\n  kind: http-poll\n  command: [run]",
            "spec.services[0].command (line 9): 'command' is for kind image or process, not "
            "kind http-poll",
        ),
        (
            "- name: t\n  function: arn:aws:sqs:eu-west-1:111122223333:q",
            "spec.services[0].function 'arn:aws:sqs:eu-west-1:111122223333:q' (line 8): must be "
            "a Lambda function name",
        ),
        (
            "- name: t\n  bus: tools",
            "spec.services[0].bus 'tools' (line 8): must be an event bus ARN",
        ),
        (
            "- name: t\n  hook: ftp://x.example",
            "spec.services[0].hook 'ftp://x.example' (line 8): must be an http(s) URL",
        ),
        (
            "- name: t\n  image: busybox\n  maxRunTime: 2d",
            "spec.services[0].maxRunTime '2d' (line 9): '2d' is not a Go duration",
        ),
        (
            "- name: t\n  image: busybox\n  maxRunTime: 25h",
            "spec.services[0].maxRunTime '25h' (line 9): '25h' must be between 1s and 24h",
        ),
        (
            "- name: t\n  image: busybox\n  cpu: 256\n  memory: 4096",
            "spec.services[0].memory '4096' (line 10): memory 4096 does not fit cpu 256 on "
            "Fargate: use 512 to 2048 MiB in steps of 512",
        ),
        (
            "- name: t\n  image: busybox\n  envFromEvent: {URL: data.url}",
            "spec.services[0].envFromEvent.URL 'data.url' (line 9): must be a JSONPath into the "
            "event",
        ),
        (
            "- name: t\n  kind: container",
            "spec.services[0].kind 'container' (line 8): must be 'image', 'lambda', 'webhook', "
            "'bus', 'http-poll' or 'process'",
        ),
    ],
)
def test_each_kind_takes_its_own_fields(service: str, expected: str) -> None:
    found = problems(one(service))

    assert len(found) == 1, found
    assert found[0].startswith("uniform.yaml: " + expected), found[0]


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("$", []),
        ("$.data.project", ["data", "project"]),
        (
            "$.data.deployment.deploymentURIsLocal[0]",
            ["data", "deployment", "deploymentURIsLocal", 0],
        ),
        ("$.data['get-sli'].start", ["data", "get-sli", "start"]),
        ("data.project", None),
        ("$.data[", None),
        ("$..project", None),
    ],
)
def test_event_paths_are_the_job_executor_subset(path: str, steps: list[object] | None) -> None:
    assert path_steps(path) == steps


UNIFORM = one(
    """
- name: tester
  image: ghcr.io/acme/tests:1
  events:
    - name: sh.keptn.event.test.triggered
      selector:
        matchLabels: {stage: dev}
    - name: sh.keptn.event.test.finished
- name: poller
  kind: http-poll
  events:
    - name: sh.keptn.event.deployment.triggered
"""
)


def test_a_uniform_makes_one_subscription_per_event_with_stable_ids() -> None:
    uniform = parse_document(UNIFORM, Uniform, "uniform.yaml")
    first = uniform_subscriptions("shop", uniform)
    again = uniform_subscriptions("shop", uniform)

    assert [(s.owner, s.event, s.executor.kind) for s in first] == [
        ("tester", "sh.keptn.event.test.triggered", ExecutorKind.IMAGE),
        ("tester", "sh.keptn.event.test.finished", ExecutorKind.IMAGE),
        ("poller", "sh.keptn.event.deployment.triggered", ExecutorKind.HTTP_POLL),
    ]
    assert [s.id for s in first] == [s.id for s in again]
    assert len({s.id for s in first}) == 3
    assert all(s.origin is Origin.UNIFORM and s.filter.projects == ("shop",) for s in first)
    other = uniform_subscriptions("shop-eu", uniform)
    assert {s.id for s in other}.isdisjoint({s.id for s in first})
    changed = uniform_subscriptions(
        "shop", parse_document(UNIFORM.replace("tests:1", "tests:2"), Uniform, "uniform.yaml")
    )
    assert changed[0].id != first[0].id
    assert changed[2].id == first[2].id


def test_a_subscription_accepts_by_type_filter_and_selector() -> None:
    tester = uniform_subscriptions("shop", parse_document(UNIFORM, Uniform, "uniform.yaml"))[0]
    dev = {"project": "shop", "stage": "dev", "service": "carts"}

    assert tester.accepts("sh.keptn.event.test.triggered", dev)
    assert not tester.accepts("sh.keptn.event.test.triggered", {**dev, "stage": "prod"})
    assert not tester.accepts("sh.keptn.event.test.triggered", {**dev, "project": "other"})
    assert not tester.accepts("sh.keptn.event.deployment.triggered", dev)


@pytest.mark.parametrize(
    ("subscribed", "event_type", "expected"),
    [
        ("sh.keptn.event.test.triggered", "sh.keptn.event.test.triggered", True),
        ("sh.keptn.event.*.triggered", "sh.keptn.event.test.triggered", True),
        ("sh.keptn.event.*.triggered", "sh.keptn.event.dev.delivery.triggered", False),
        ("sh.keptn.>", "sh.keptn.event.dev.delivery.triggered", True),
        ("sh.keptn.event.test.>", "sh.keptn.event.test", False),
        ("sh.keptn.event.test.triggered", "sh.keptn.event.test.started", False),
    ],
)
def test_integration_subjects_follow_nats_wildcards(
    subscribed: str, event_type: str, expected: bool
) -> None:
    assert subject_matches(subscribed, event_type) is expected


def test_an_empty_filter_list_allows_everything() -> None:
    only_dev = SubscriptionFilter(stages=("dev",))

    assert SubscriptionFilter().allows("p", "s", "x")
    assert only_dev.allows("p", "dev", None)
    assert not only_dev.allows("p", "prod", "x")
