"""HttpSender and HostResolver: webhook requests through httpx to the address the SSRF guard
checked (chalicelib/domain/address_guard.py), never to a name resolved again.

The URL's host is replaced by the checked address; the `Host` header keeps the name and, for
HTTPS, the `sni_hostname` request extension makes the TLS handshake name it, so the server's
certificate is still verified against the name. Each host name gets a client of its own: a
pooled TLS connection verified for one name is never reused for another name that happens to
resolve to the same address. Proxies from the environment are ignored (`trust_env=False`): a
proxy would resolve the name itself, past the guard. Redirects are never followed here; the
executor decides, re-checking each hop. httpx and httpcore log each request's URL, which
may hold a secret (`{{.env.token}}` in a path): their loggers are kept at WARNING.
"""

from __future__ import annotations

import logging
import socket
from collections import OrderedDict
from threading import Lock
from typing import Any

from chalicelib.domain.address_guard import Target
from chalicelib.domain.outgoing_request import HttpResponse, OutgoingRequest, SendFailed

MAX_CLIENTS = 32  # host names with an open pool; the least recently used is closed


class DnsResolver:
    """The system resolver (getaddrinfo): every address of a name, in its order, once each."""

    def resolve(self, host: str) -> list[str]:
        answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


class HttpxSender:
    """Sends one request and reads at most `max_response_bytes` of the answer."""

    def __init__(self, max_response_bytes: int) -> None:
        self._limit = max_response_bytes
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self._clients: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = Lock()

    def _client(self, target: Target) -> Any:
        import httpx

        key = (target.scheme, target.host)
        with self._lock:
            client = self._clients.pop(key, None)
            if client is None:
                client = httpx.Client(follow_redirects=False, trust_env=False, verify=True)
            self._clients[key] = client
            while len(self._clients) > MAX_CLIENTS:
                _, oldest = self._clients.popitem(last=False)
                oldest.close()
            return client

    def send(
        self, target: Target, request: OutgoingRequest, connect_timeout: float, read_timeout: float
    ) -> HttpResponse:
        import httpx

        headers = [(k, v) for k, v in request.headers if k.lower() != "host"]
        headers.append(("Host", target.host_header))
        extensions = (
            {"sni_hostname": target.host} if target.scheme == "https" and target.is_name else {}
        )
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        try:
            with self._client(target).stream(
                request.method,
                target.connect_url,
                headers=headers,
                content=request.body.encode("utf-8") if request.body is not None else None,
                timeout=timeout,
                extensions=extensions,
            ) as response:
                body, truncated = self._read(response)
                return HttpResponse(
                    status=response.status_code,
                    headers=tuple(response.headers.items()),
                    body=body,
                    truncated=truncated,
                )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise SendFailed(
                f"could not connect to {target.host_header}: {_reason(error)}",
                maybe_delivered=False,
            ) from error
        except httpx.TimeoutException as error:
            raise SendFailed(
                f"{target.host_header} did not answer in time ({_reason(error)})",
                maybe_delivered=True,
            ) from error
        except httpx.HTTPError as error:
            raise SendFailed(
                f"the exchange with {target.host_header} failed: {_reason(error)}",
                maybe_delivered=True,
            ) from error

    def _read(self, response: Any) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self._limit:
                return b"".join(chunks)[: self._limit], True
        return b"".join(chunks), False


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
