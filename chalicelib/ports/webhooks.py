"""The webhook executor: host resolution, outgoing HTTP and the journal of sent requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from chalicelib.domain.address_guard import Target
    from chalicelib.domain.outgoing_request import HttpResponse, OutgoingRequest


class HostResolver(Protocol):
    """Names to addresses for the SSRF guard (the system resolver in AWS)."""

    def resolve(self, host: str) -> list[str]:
        """Every address of `host`; OSError when it cannot be resolved."""
        ...


class HttpSender(Protocol):
    """Sends one webhook request to an address the SSRF guard checked (httpx in AWS)."""

    def send(
        self,
        target: Target,
        request: OutgoingRequest,
        connect_timeout: float,
        read_timeout: float,
    ) -> HttpResponse:
        """Connect to `target.address`, never to a name resolved again; redirects are returned,
        not followed. SendFailed when no response came."""
        ...


class JournalEntry(BaseModel):
    """One request of one webhook delivery: claimed before it is sent, then its outcome."""

    model_config = ConfigDict(frozen=True)

    state: str  # "sending", "done" or "failed"
    response: object = None  # the answer kept for `.finished` (done)
    message: str = ""  # why it failed (failed)


class WebhookJournal(Protocol):
    """What a webhook delivery already sent, so a redelivery does not send it again where
    that would break Keptn's counting (chalicelib/services/webhooks/delivery.py)."""

    def claim(self, delivery: str, request: int) -> JournalEntry | None:
        """Mark request `request` of `delivery` as being sent; None when this call claimed it,
        else what an earlier attempt recorded."""
        ...

    def settle(self, delivery: str, request: int, entry: JournalEntry) -> None:
        """Record the outcome of a claimed request."""
