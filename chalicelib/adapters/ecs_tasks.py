"""ContainerTasks on ECS: task definitions for image executors, registered once per family.

A family is named after its content (chalicelib/engine/container_tasks.py), so an active
revision of it is the same definition: it is registered only when none exists.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.errors import InvalidInput


class EcsContainerTasks:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def ensure_task_definition(self, definition: dict[str, Any]) -> None:
        ecs = self._clients.ecs
        family = str(definition["family"])
        try:
            found = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
            if found.get("status") == "ACTIVE":
                return
        except ecs.exceptions.ClientException:
            pass  # no revision of the family yet
        try:
            ecs.register_task_definition(**definition)
        except ecs.exceptions.ClientException as error:
            raise InvalidInput(
                f"ECS refused task definition {family}: {error.response['Error']['Message']}"
            ) from error
