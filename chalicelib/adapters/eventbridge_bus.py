"""EventBus on EventBridge: one entry per CloudEvent (Source, DetailType = type, Detail = event)."""

from __future__ import annotations

import json

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.events import KeptnEvent
from chalicelib.errors import DependencyFailure


class EventBridgeBus:
    """Publishes on the custom bus; a refused entry is an error, never silently dropped."""

    def __init__(self, clients: AwsClients, bus_name: str) -> None:
        self._clients = clients
        self._bus_name = bus_name

    def publish(self, event: KeptnEvent) -> None:
        entry = {
            "Source": event.source,
            "DetailType": event.type,
            "Detail": json.dumps(event.to_wire(), separators=(",", ":")),
            "EventBusName": self._bus_name,
        }
        response = self._clients.events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            failure = response["Entries"][0]
            raise DependencyFailure(
                f"EventBridge bus '{self._bus_name}' refused event {event.id}: "
                f"{failure.get('ErrorCode')} {failure.get('ErrorMessage')}"
            )
