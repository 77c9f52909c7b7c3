"""One HTTP request a webhook sends, after its templates were rendered: the model both webhook
versions (structured v1beta1 requests and v1alpha1 curl command lines) end up as."""

from __future__ import annotations

from dataclasses import dataclass, replace

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class OutgoingRequest:
    """What to send and how patiently; None leaves a limit at the deployment's setting."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    follow_redirects: bool = False
    max_redirects: int = 5
    max_time: float | None = None  # seconds for the whole exchange (curl --max-time)
    connect_timeout: float | None = None
    retries: int | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def with_header(self, name: str, value: str) -> OutgoingRequest:
        """The request with `name` set unless it already has it (curl's defaults)."""
        if self.header(name) is not None:
            return self
        return replace(self, headers=(*self.headers, (name, value)))


@dataclass(frozen=True)
class HttpResponse:
    """What came back; `body` holds at most the deployment's response limit (`truncated`)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


class SendFailed(Exception):
    """The exchange failed before a response arrived. `maybe_delivered` is False only when
    the request certainly never reached the receiver (no connection was made), so sending it
    again cannot duplicate it."""

    def __init__(self, message: str, maybe_delivered: bool) -> None:
        super().__init__(message)
        self.message = message
        self.maybe_delivered = maybe_delivered
