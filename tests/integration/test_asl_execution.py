"""Compiled sequences really run on moto's Step Functions, with the test as the control plane.

The test reads the dispatch queue as the task-event handler would, answers with
SendTaskSuccess, and reads the control queue for timeout and finish reports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.domain.shipyard import Sequence, Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.asl import (
    compile_project,
    compile_sequence,
    definition_json,
    state_machine_name,
)

MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASS = {"result": "pass", "status": "succeeded"}
# Bounds for polling: moto runs executions in threads, usually within a few milliseconds.
DEADLINE_SECONDS = 15.0
POLL_SECONDS = 0.05


@dataclass
class Run:
    """One started execution, seen from the control plane."""

    harness: Harness
    arn: str
    run: dict[str, Any]
    dispatched: list[dict[str, Any]] = field(default_factory=list)

    def next_dispatch(self) -> dict[str, Any]:
        """The next task dispatch of this run; its `run` and `execution` are checked here."""
        body = self.harness.receive(self.harness.dispatch_url)
        assert body["kind"] == "dispatch"
        assert body["execution"] == self.arn
        assert body["run"] == self.run, "the run must pass through unchanged"
        self.dispatched.append(body)
        return body

    def answer(self, body: dict[str, Any], output: dict[str, Any]) -> None:
        self.harness.sfn.send_task_success(taskToken=body["taskToken"], output=json.dumps(output))

    def report(self) -> dict[str, Any]:
        """The next control-queue message (timeout or finished) of this run."""
        body = self.harness.receive(self.harness.control_url)
        assert body["execution"] == self.arn
        assert body["run"] == self.run
        return body

    def status(self) -> str:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            status: str = self.harness.sfn.describe_execution(executionArn=self.arn)["status"]
            if status != "RUNNING":
                return status
            time.sleep(POLL_SECONDS)
        return "RUNNING"


@dataclass
class Harness:
    sfn: Any
    sqs: Any
    role_arn: str
    dispatch_url: str
    control_url: str

    def create(self, sequence: Sequence, stage: str = "dev") -> str:
        definition = compile_sequence(
            sequence, dispatch_queue_url=self.dispatch_url, control_queue_url=self.control_url
        )
        name = state_machine_name("test", "shop", stage, sequence.name)
        arn: str = self.sfn.create_state_machine(
            name=name, definition=definition_json(definition), roleArn=self.role_arn
        )["stateMachineArn"]
        return arn

    def start(self, tasks: list[dict[str, Any]], run: dict[str, Any] | None = None) -> Run:
        sequence = Sequence.model_validate({"name": "delivery", "tasks": tasks})
        machine = self.create(sequence)
        run = run if run is not None else {"keptnContext": "ctx-1", "labels": {"a": "b"}}
        arn: str = self.sfn.start_execution(
            stateMachineArn=machine, name="ctx-1-run", input=json.dumps({"run": run})
        )["executionArn"]
        return Run(self, arn, run)

    def receive(self, queue_url: str) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            messages = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1).get(
                "Messages", []
            )
            if messages:
                self.sqs.delete_message(
                    QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"]
                )
                body: dict[str, Any] = json.loads(messages[0]["Body"])
                return body
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"no message on {queue_url} within {DEADLINE_SECONDS}s")

    def queued(self, queue_url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config=MOTO_CONFIG):
        sqs = boto3.client("sqs")
        role = boto3.client("iam").create_role(
            RoleName="qm-sequences", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
        )
        yield Harness(
            sfn=boto3.client("stepfunctions"),
            sqs=sqs,
            role_arn=role["Role"]["Arn"],
            dispatch_url=sqs.create_queue(QueueName="qm-dispatch")["QueueUrl"],
            control_url=sqs.create_queue(QueueName="qm-control")["QueueUrl"],
        )


def test_all_tasks_pass_in_order_and_the_finish_carries_the_last_result(
    harness: Harness,
) -> None:
    run = {"keptnContext": "c-42", "stage": "dev", "nested": {"list": [1, 2, {"x": None}]}}
    started = harness.start([{"name": "deployment"}, {"name": "test"}, {"name": "release"}], run)
    last: dict[str, Any] = {
        "result": "pass",
        "status": "succeeded",
        "message": "released",
        "score": 100,
    }

    for answer in [PASS, PASS, last]:
        started.answer(started.next_dispatch(), answer)

    assert [(body["index"], body["task"]) for body in started.dispatched] == [
        (0, "deployment"),
        (1, "test"),
        (2, "release"),
    ]
    assert started.report() == {
        "kind": "finished",
        "execution": started.arn,
        "run": run,
        "last": last,
    }
    assert started.status() == "SUCCEEDED"


@pytest.mark.parametrize(
    "stopping",
    [
        {"result": "fail", "status": "succeeded"},
        {"result": "pass", "status": "errored"},
        {"result": "fail", "status": "errored", "message": "helm upgrade failed"},
    ],
)
def test_a_fail_or_errored_result_stops_the_sequence(
    harness: Harness, stopping: dict[str, Any]
) -> None:
    started = harness.start([{"name": "deployment"}, {"name": "test"}, {"name": "release"}])

    started.answer(started.next_dispatch(), PASS)
    started.answer(started.next_dispatch(), stopping)
    finished = started.report()

    assert finished["kind"] == "finished"
    assert finished["last"] == stopping
    # Finish is the last state: a dispatch of `release` would already be on the queue.
    assert harness.queued(harness.dispatch_url) == 0
    assert [body["task"] for body in started.dispatched] == ["deployment", "test"]
    assert started.status() == "SUCCEEDED"


def test_a_warning_lets_the_sequence_go_on(harness: Harness) -> None:
    started = harness.start([{"name": "evaluation"}, {"name": "approval"}])

    started.answer(started.next_dispatch(), {"result": "warning", "status": "succeeded"})
    approval = started.next_dispatch()
    started.answer(approval, PASS)

    assert approval["task"] == "approval"
    assert started.report()["last"] == PASS


def test_an_answer_without_result_does_not_break_the_run(harness: Harness) -> None:
    started = harness.start([{"name": "test"}, {"name": "release"}])

    started.answer(started.next_dispatch(), {"status": "succeeded"})
    started.answer(started.next_dispatch(), PASS)

    assert started.report()["last"] == PASS
    assert started.status() == "SUCCEEDED"


def test_triggered_after_waits_before_the_dispatch(harness: Harness) -> None:
    started = harness.start([{"name": "deployment"}, {"name": "test", "triggeredAfter": "1s"}])

    started.answer(started.next_dispatch(), PASS)
    answered = time.monotonic()
    test = started.next_dispatch()
    waited = time.monotonic() - answered

    assert test["task"] == "test"
    assert waited >= 0.9, f"the delayed task was dispatched after {waited:.2f}s"


def test_a_task_that_times_out_is_reported_and_fails_the_sequence(harness: Harness) -> None:
    started = harness.start(
        [{"name": "deployment", "properties": {"timeout": "1s"}}, {"name": "test"}]
    )

    deployment = started.next_dispatch()  # never answered
    timeout = started.report()
    finished = started.report()

    assert timeout == {
        "kind": "timeout",
        "execution": started.arn,
        "run": started.run,
        "index": 0,
        "task": "deployment",
        "timeoutSeconds": 1,
        "onTimeout": "fail",
    }
    assert finished["kind"] == "finished"
    assert finished["last"] == {"result": "fail", "status": "errored", "timedOut": True}
    assert harness.queued(harness.dispatch_url) == 0
    assert started.status() == "SUCCEEDED"
    # The token of a timed-out task is dead: a late answer cannot restart the sequence.
    with pytest.raises(harness.sfn.exceptions.ClientError):
        started.answer(deployment, PASS)


def test_on_timeout_pass_continues_with_the_next_task(harness: Harness) -> None:
    started = harness.start(
        [
            {"name": "approval", "properties": {"timeout": "1s", "onTimeout": "pass"}},
            {"name": "deployment"},
        ]
    )

    started.next_dispatch()  # never answered
    assert started.report()["kind"] == "timeout"
    deployment = started.next_dispatch()
    started.answer(deployment, PASS)

    assert deployment["task"] == "deployment"
    assert started.report() == {
        "kind": "finished",
        "execution": started.arn,
        "run": started.run,
        "last": PASS,
    }


def test_on_timeout_pass_on_the_last_task_finishes_with_a_timed_out_pass(
    harness: Harness,
) -> None:
    started = harness.start(
        [{"name": "approval", "properties": {"timeout": "1s", "onTimeout": "pass"}}]
    )

    started.next_dispatch()
    assert started.report()["kind"] == "timeout"

    assert started.report()["last"] == {"result": "pass", "status": "succeeded", "timedOut": True}


def test_a_repeated_task_is_dispatched_twice(harness: Harness) -> None:
    started = harness.start([{"name": "test"}, {"name": "test"}])

    first = started.next_dispatch()
    started.answer(first, {"result": "warning", "status": "succeeded"})
    second = started.next_dispatch()
    started.answer(second, PASS)

    assert [(first["index"], first["task"]), (second["index"], second["task"])] == [
        (0, "test"),
        (1, "test"),
    ]
    assert first["taskToken"] != second["taskToken"]
    assert started.report()["last"] == PASS


def test_two_runs_of_one_machine_do_not_mix(harness: Harness) -> None:
    sequence = Sequence.model_validate({"name": "delivery", "tasks": [{"name": "deployment"}]})
    machine = harness.create(sequence)
    runs = {}
    for context in ["c-1", "c-2"]:
        arn = harness.sfn.start_execution(
            stateMachineArn=machine, name=context, input=json.dumps({"run": {"ctx": context}})
        )["executionArn"]
        runs[arn] = context

    for _ in runs:
        body = harness.receive(harness.dispatch_url)
        assert body["run"] == {"ctx": runs[body["execution"]]}
        harness.sfn.send_task_success(
            taskToken=body["taskToken"], output=json.dumps({"result": body["run"]["ctx"]})
        )
    reports = [harness.receive(harness.control_url) for _ in runs]

    assert {report["execution"]: report["last"]["result"] for report in reports} == runs


def test_every_example_project_creates_valid_machines(harness: Harness) -> None:
    names = set()
    for path in sorted(EXAMPLES.glob("*/shipyard.yaml")):
        shipyard = parse_document(path.read_text(encoding="utf-8"), Shipyard, "shipyard.yaml")
        definitions = compile_project(
            shipyard, dispatch_queue_url=harness.dispatch_url, control_queue_url=harness.control_url
        )
        for (stage, sequence), definition in definitions.items():
            name = state_machine_name("test", path.parent.name, stage, sequence)
            harness.sfn.create_state_machine(
                name=name, definition=definition_json(definition), roleArn=harness.role_arn
            )
            names.add(name)

    listed = {machine["name"] for machine in harness.sfn.list_state_machines()["stateMachines"]}
    assert listed == names
    assert len(names) >= 15
