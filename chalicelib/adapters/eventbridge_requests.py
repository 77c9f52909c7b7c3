"""ApplyRequests on EventBridge: an entry on the deployment's bus that the uniform applier's
rule matches. Not a CloudEvent (no `specversion`), so the recorder's rule does not store it."""

from __future__ import annotations

import json

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.errors import DependencyFailure

SOURCE = "quartermaster.uniform"
DETAIL_TYPE = "Uniform Apply Requested"


class EventBridgeApplyRequests:
    def __init__(self, clients: AwsClients, bus_name: str) -> None:
        self._clients = clients
        self._bus = bus_name

    def request_apply(self, project: str) -> None:
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": json.dumps({"project": project}),
            "EventBusName": self._bus,
        }
        response = self._clients.events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            failure = response["Entries"][0]
            raise DependencyFailure(
                f"EventBridge bus '{self._bus}' refused the apply request of project {project}: "
                f"{failure.get('ErrorCode')} {failure.get('ErrorMessage')}"
            )
