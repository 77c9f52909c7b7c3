"""Workflows on AWS Step Functions: Standard state machines, one per shipyard sequence."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.errors import NotFound


class StepFunctionsWorkflows:
    """Names are resolved to ARNs with the account id, read once per process."""

    def __init__(self, clients: AwsClients, role_name: str) -> None:
        self._clients = clients
        self._role_name = role_name
        self._queue_urls: dict[str, str] = {}

    @cached_property
    def _account(self) -> str:
        account: str = self._clients.sts.get_caller_identity()["Account"]
        return account

    @property
    def _region(self) -> str:
        region: str = self._clients.stepfunctions.meta.region_name
        return region

    def _machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self._region}:{self._account}:stateMachine:{name}"

    def ensure_state_machine(self, name: str, definition: dict[str, object]) -> None:
        client = self._clients.stepfunctions
        body = json.dumps(definition, sort_keys=True)
        try:
            # A versioned name keeps its one definition (the update changes nothing); an
            # older, unversioned one is brought up to date.
            client.update_state_machine(stateMachineArn=self._machine_arn(name), definition=body)
        except client.exceptions.StateMachineDoesNotExist:
            client.create_state_machine(
                name=name,
                definition=body,
                roleArn=f"arn:aws:iam::{self._account}:role/{self._role_name}",
                type="STANDARD",
            )

    def start(self, machine: str, execution_name: str, run: dict[str, object]) -> str:
        client = self._clients.stepfunctions
        arn = self._machine_arn(machine)
        try:
            response = client.start_execution(
                stateMachineArn=arn, name=execution_name, input=json.dumps({"run": run})
            )
        except client.exceptions.StateMachineDoesNotExist as error:
            raise NotFound(f"state machine {machine} does not exist") from error
        except client.exceptions.ExecutionAlreadyExists:
            # Same name, ended or with other input: the run was started before; keep that one.
            return arn.replace(":stateMachine:", ":execution:") + f":{execution_name}"
        execution_arn: str = response["executionArn"]
        return execution_arn

    def complete_task(self, token: str, output: dict[str, object]) -> bool:
        client = self._clients.stepfunctions
        try:
            client.send_task_success(taskToken=token, output=json.dumps(output))
        except (client.exceptions.TaskTimedOut, client.exceptions.InvalidToken):
            return False
        except client.exceptions.TaskDoesNotExist:
            return False
        return True

    def stop(self, execution_arn: str, cause: str) -> None:
        client = self._clients.stepfunctions
        try:
            client.stop_execution(executionArn=execution_arn, error="Aborted", cause=cause)
        except client.exceptions.ExecutionDoesNotExist:
            return

    def queue_url(self, name: str) -> str:
        if name not in self._queue_urls:
            response: dict[str, Any] = self._clients.sqs.get_queue_url(QueueName=name)
            self._queue_urls[name] = response["QueueUrl"]
        return self._queue_urls[name]
