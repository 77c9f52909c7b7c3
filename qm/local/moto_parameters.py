"""A repair of moto 5.2.5's Step Functions interpreter: service integrations get their
parameters and answers in the services' own spelling.

State machines name a service's parameters in PascalCase (`Cluster`, `TaskDefinition`), as
Step Functions requires, and read its answers in PascalCase (`Tasks[0].TaskArn`). Step
Functions translates to and from each API's own names (ECS: `cluster`, `taskDefinition`,
`tasks[0].taskArn`). moto's interpreter carries the translation (`_to_boto_request`,
`_from_boto_response`) but never calls it, so ECS, whose names are camelCase, fails with a
KeyError. These two functions call it for ECS with the operation's shapes from botocore, as
Step Functions does (other services keep moto's behaviour). Used by the local runtime's emulator
and by the tests of container tasks (chalicelib/engine/container_machine.py).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _service_model(service: str) -> Any:
    from botocore.session import Session

    return Session().get_service_model(service)


def _operation(task: Any, service_name: str | None, action_name: str | None) -> Any:
    model = _service_model(task._get_boto_service_name(service_name))
    action = task._get_boto_service_action(action_name).replace("_", "").lower()
    name = next(name for name in model.operation_names if name.lower() == action)
    return model.operation_model(name)


def _is_ecs(task: Any, boto_service_name: str | None) -> bool:
    return bool(task._get_boto_service_name(boto_service_name) == "ecs")


def normalise_parameters(
    task: Any,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    if _is_ecs(task, boto_service_name):
        operation = _operation(task, boto_service_name, service_action_name)
        task._to_boto_request(parameters, operation.input_shape)


def normalise_response(
    task: Any,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    if _is_ecs(task, boto_service_name):
        operation = _operation(task, boto_service_name, service_action_name)
        task._from_boto_response(response, operation.output_shape)


def repair() -> None:
    """Install the translation (in the emulator process)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (  # noqa: E501
        StateTaskService,
    )

    StateTaskService._normalise_parameters = normalise_parameters  # type: ignore[method-assign,assignment]
    StateTaskService._normalise_response = normalise_response  # type: ignore[method-assign,assignment]
