"""One webhook request through the SSRF guard: checked, sent to the checked address, redirects
refused (or, with curl's `--location`, each hop checked again), bounded retries.

A request is sent again only when it certainly did not arrive (no connection was made) or the
receiver said so itself (429, 502, 503, 504); a request that may have arrived (a read timeout,
a cut connection) is not, since sending it twice could run a CI job twice. A status of 400 or
more fails the request, as curl's `--fail-with-body`, which Keptn appended, did.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin

from chalicelib.domain.address_guard import Refused, check_url
from chalicelib.domain.outgoing_request import HttpResponse, OutgoingRequest, SendFailed
from chalicelib.services.webhooks.common import WebhookDeps

RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_RETRY_AFTER_SECONDS = 10.0


class RequestFailed(Exception):
    """The request did not succeed. `maybe_delivered`: the receiver may have got it.
    `refused`: the guard refused it, nothing was sent."""

    def __init__(self, message: str, maybe_delivered: bool, refused: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.maybe_delivered = maybe_delivered
        self.refused = refused


def _retry_after(response: HttpResponse | None, attempt: int, deps: WebhookDeps) -> float:
    backoff = deps.limits.backoff_seconds * float(2**attempt)
    given = response.header("retry-after") if response is not None else None
    if given and given.strip().isdigit():
        return min(float(given), MAX_RETRY_AFTER_SECONDS)
    return backoff


def _once(request: OutgoingRequest, deps: WebhookDeps) -> HttpResponse:
    """One hop, retried as the module says."""
    try:
        target = check_url(request.url, deps.resolver.resolve, deps.policy)
    except Refused as error:
        raise RequestFailed(error.message, maybe_delivered=False, refused=True) from error
    retries = deps.limits.retries if request.retries is None else request.retries
    connect = request.connect_timeout or deps.limits.connect_timeout
    read = min(deps.limits.read_timeout, request.max_time or deps.limits.read_timeout)
    attempt = 0
    while True:
        try:
            response = deps.sender.send(target, request, connect, read)
        except SendFailed as error:
            if error.maybe_delivered or attempt >= retries:
                raise RequestFailed(error.message, error.maybe_delivered) from error
            deps.sleep(_retry_after(None, attempt, deps))
            attempt += 1
            continue
        if response.status in RETRY_STATUSES and attempt < retries:
            deps.sleep(_retry_after(response, attempt, deps))
            attempt += 1
            continue
        return response


def exchange(request: OutgoingRequest, deps: WebhookDeps) -> HttpResponse:
    """The final response to `request` (status below 400); RequestFailed otherwise."""
    hops = 0
    while True:
        response = _once(request, deps)
        location = response.header("location")
        if response.status in REDIRECT_STATUSES and location:
            following = urljoin(request.url, location)
            if not request.follow_redirects:
                raise RequestFailed(
                    f"{request.method} {request.url} answered {response.status}, a redirect to "
                    f"{following}; redirects are not followed unless the request says so "
                    "(curl option --location)",
                    maybe_delivered=True,
                )
            hops += 1
            if hops > request.max_redirects:
                raise RequestFailed(
                    f"{request.url}: more than {request.max_redirects} redirects",
                    maybe_delivered=True,
                )
            method = request.method if response.status in (307, 308) else "GET"
            body = request.body if method == request.method else None
            request = replace(request, url=following, method=method, body=body)
            continue  # the next hop goes through the guard again
        if response.status >= 400:
            raise RequestFailed(
                f"{request.method} {request.url} answered HTTP {response.status}: "
                f"{response.body[:512].decode('utf-8', 'replace')}",
                maybe_delivered=True,
            )
        return response
