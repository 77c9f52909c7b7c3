"""The Workflows contract, run against Step Functions (moto, executions really run) and the
in-memory fake (tests/fakes_workflows.py) alike: machines created then updated, an execution
name started once, a waiting task resumed once with its token, stops, queue URLs.

moto keeps accepting a used token while its execution still runs (Step Functions refuses it
at once), so "a used token is refused" is checked once the execution went on; the fake refuses
it at once. An execution moto stops while it waits on a token stays RUNNING and still takes the
token, so the stop of a waiting execution is checked on the fake only
(test_a_stopped_execution_takes_no_result)."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.shipyard import Sequence
from chalicelib.engine.asl import compile_sequence
from chalicelib.errors import NotFound
from chalicelib.ports import Workflows
from tests.fakes_workflows import FakeWorkflows

DEADLINE_SECONDS = 15.0
POLL_SECONDS = 0.05
PASS: dict[str, object] = {"result": "pass", "status": "succeeded"}


class Driver:
    """The test's view of one implementation: what it cannot see through the port."""

    def __init__(self, workflows: Workflows, dispatch: str, control: str) -> None:
        self.workflows = workflows
        self.dispatch_url = workflows.queue_url(dispatch)
        self.control_url = workflows.queue_url(control)

    def definition(self, tasks: list[str]) -> dict[str, Any]:
        sequence = Sequence.model_validate(
            {"name": "delivery", "tasks": [{"name": t} for t in tasks]}
        )
        return compile_sequence(
            sequence, dispatch_queue_url=self.dispatch_url, control_queue_url=self.control_url
        )

    def stored_definition(self, machine: str) -> dict[str, Any]:
        raise NotImplementedError

    def executions(self, machine: str) -> list[str]:
        raise NotImplementedError

    def waiting_token(self, execution_arn: str) -> str:
        """The token of the task the execution waits on (from its dispatch message)."""
        raise NotImplementedError

    def went_on(self, execution_arn: str) -> dict[str, Any]:
        """The result the execution went on with (after its last task: the run's end)."""
        raise NotImplementedError


class StepFunctionsDriver(Driver):
    def __init__(self, container: Container) -> None:
        settings = container.settings
        super().__init__(
            container.workflows, settings.queue_name("dispatch"), settings.queue_name("control")
        )
        self.sfn = boto3.client("stepfunctions")
        self.sqs = boto3.client("sqs")

    def _machine_arn(self, machine: str) -> str:
        return f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"

    def stored_definition(self, machine: str) -> dict[str, Any]:
        described = self.sfn.describe_state_machine(stateMachineArn=self._machine_arn(machine))
        definition: dict[str, Any] = json.loads(described["definition"])
        return definition

    def executions(self, machine: str) -> list[str]:
        listed = self.sfn.list_executions(stateMachineArn=self._machine_arn(machine))
        return [execution["executionArn"] for execution in listed["executions"]]

    def _receive(self, queue_url: str, execution_arn: str) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            for message in self.sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
                body: dict[str, Any] = json.loads(message["Body"])
                if body.get("execution") == execution_arn:
                    self.sqs.delete_message(
                        QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
                    return body
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"no message for {execution_arn} within {DEADLINE_SECONDS} s")

    def waiting_token(self, execution_arn: str) -> str:
        return str(self._receive(self.dispatch_url, execution_arn)["taskToken"])

    def went_on(self, execution_arn: str) -> dict[str, Any]:
        body = self._receive(self.control_url, execution_arn)
        assert body["kind"] == "finished"
        last: dict[str, Any] = body["last"]
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            status = self.sfn.describe_execution(executionArn=execution_arn)["status"]
            if status != "RUNNING":
                return last
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"{execution_arn} still runs after its last task")


class FakeDriver(Driver):
    def __init__(self) -> None:
        self.fake = FakeWorkflows()
        super().__init__(self.fake, "qm-dispatch", "qm-control")

    def stored_definition(self, machine: str) -> dict[str, Any]:
        return dict(self.fake.machines[machine])

    def executions(self, machine: str) -> list[str]:
        return [arn for arn, e in self.fake.executions.items() if e.machine == machine]

    def waiting_token(self, execution_arn: str) -> str:
        return self.fake.wait_for_task(execution_arn)

    def went_on(self, execution_arn: str) -> dict[str, Any]:
        return dict(self.fake.executions[execution_arn].outputs[-1])


@pytest.fixture(params=["stepfunctions", "fake"])
def driver(request: pytest.FixtureRequest) -> Driver:
    if request.param == "fake":
        return FakeDriver()
    return StepFunctionsDriver(request.getfixturevalue("aws_container"))


def test_a_machine_is_created_then_updated(driver: Driver) -> None:
    first, second = driver.definition(["deployment"]), driver.definition(["deployment", "test"])
    driver.workflows.ensure_state_machine("qm-test-shop-dev-delivery", first)
    assert driver.stored_definition("qm-test-shop-dev-delivery") == first
    driver.workflows.ensure_state_machine("qm-test-shop-dev-delivery", second)
    assert driver.stored_definition("qm-test-shop-dev-delivery") == second


def test_an_execution_name_is_started_once(driver: Driver) -> None:
    driver.workflows.ensure_state_machine("m", driver.definition(["deployment"]))
    arn = driver.workflows.start("m", "run1", {"id": "run1"})
    assert arn.endswith(":execution:m:run1")
    assert driver.workflows.start("m", "run1", {"id": "run1"}) == arn  # a redelivered start
    assert driver.executions("m") == [arn]
    other = driver.workflows.start("m", "run2", {"id": "run2"})
    assert sorted(driver.executions("m")) == sorted([arn, other])


def test_starting_an_unknown_machine_is_not_found(driver: Driver) -> None:
    with pytest.raises(NotFound, match="state machine nomachine does not exist"):
        driver.workflows.start("nomachine", "run1", {"id": "run1"})


def test_a_waiting_task_is_resumed_once_with_its_token(driver: Driver) -> None:
    # A name no other test starts: moto's execution threads outlive their test, and a late
    # dispatch message of another test's `m:run1` would land in this test's queue.
    driver.workflows.ensure_state_machine("m", driver.definition(["deployment"]))
    arn = driver.workflows.start("m", "resumed", {"id": "resumed"})
    token = driver.waiting_token(arn)
    assert driver.workflows.complete_task(token, PASS) is True
    assert driver.went_on(arn) == PASS
    assert driver.workflows.complete_task(token, PASS) is False  # used: its execution went on


def test_an_unknown_token_is_refused(driver: Driver) -> None:
    assert driver.workflows.complete_task("no-such-token", PASS) is False


def test_stopping_an_unknown_execution_is_no_error(driver: Driver) -> None:
    driver.workflows.ensure_state_machine("m", driver.definition(["deployment"]))
    driver.workflows.stop("arn:aws:states:us-east-1:123456789012:execution:m:none", "aborted")


def test_queue_urls_name_the_queue(driver: Driver) -> None:
    assert driver.dispatch_url.endswith("-dispatch")
    assert driver.control_url.endswith("-control")
    assert driver.dispatch_url != driver.control_url


def test_a_stopped_execution_takes_no_result() -> None:
    fake = FakeWorkflows()
    fake.ensure_state_machine("m", {})
    arn = fake.start("m", "run1", {"id": "run1"})
    token = fake.wait_for_task(arn)
    fake.stop(arn, "aborted by a user")
    assert (fake.executions[arn].status, fake.executions[arn].stop_cause) == (
        "ABORTED",
        "aborted by a user",
    )
    assert fake.complete_task(token, PASS) is False
    assert fake.start("m", "run1", {"id": "run1"}) == arn  # stopped, not started again


def test_the_fake_refuses_a_used_token_at_once() -> None:
    fake = FakeWorkflows()
    fake.ensure_state_machine("m", {})
    token = fake.wait_for_task(fake.start("m", "run1", {"id": "run1"}))
    assert fake.complete_task(token, PASS) is True
    assert fake.complete_task(token, PASS) is False
