"""The local stand-in for API Gateway: chalice.local, routing as the deployed REST API does.

chalice.local matches a path against the routes segment by segment only, so the greedy catch-all
`/{proxy+}` (chalicelib/entrypoints/http_routing.py) never matches there and an unmatched path got
API Gateway's old `403 Missing Authentication Token`. Here, a path no specific route matches goes
to the longest greedy route whose prefix it extends, with the rest of the path as the parameter,
as API Gateway does; and OPTIONS reaches the function like any other method (the deployed API
has no CORS preflight: the ANY method hands OPTIONS to the function too).

Paths under `/bridge` are the Bridge's static files (qm/local/static.py), as the deployed API
serves them from its bucket.
"""

from __future__ import annotations

import re
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    LambdaEventConverter,
    LocalGateway,
    MatchResult,
    RouteMatcher,
)

from qm.local.static import answer as static_answer
from qm.local.static import is_bridge_path

_GREEDY = re.compile(r"^(?P<prefix>.*)/\{(?P<name>\w+)\+\}$")


class GreedyRouteMatcher(RouteMatcher):
    """Specific routes first (chalice's matching), then the greedy ones, longest prefix first."""

    def __init__(self, route_urls: list[str]) -> None:
        greedy = [url for url in route_urls if _GREEDY.match(url)]
        super().__init__([url for url in route_urls if url not in greedy])
        self._greedy = sorted(greedy, key=len, reverse=True)

    def match_route(self, url: str) -> MatchResult:
        try:
            return super().match_route(url)
        except ValueError:
            pass
        parsed = urlparse(url)
        path = parsed.path.rstrip("/") or "/"
        for route in self._greedy:
            shape = _GREEDY.match(route)
            assert shape is not None
            prefix = shape.group("prefix")
            if path.startswith(prefix + "/") and len(path) > len(prefix) + 1:
                captured = {shape.group("name"): path[len(prefix) + 1 :]}
                query = parse_qs(parsed.query, keep_blank_values=True)
                return MatchResult(route, captured, query)
        raise ValueError(f"No matching route found for: {url}")


class LocalApiGateway(LocalGateway):
    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self.event_converter = LambdaEventConverter(
            GreedyRouteMatcher(list(app_object.routes)), app_object.api.binary_types
        )

    def _has_user_defined_options_method(self, lambda_event: Any) -> bool:
        return True


class RequestHandler(ChaliceRequestHandler):
    # Chalice sends a response's headers and its body in two writes: with Nagle's algorithm on,
    # the body waits for the client's delayed ACK of the headers, and every API call took some
    # 40 ms longer than the work it does (API Gateway adds no such wait).
    disable_nagle_algorithm = True

    def __init__(
        self,
        request: Any,
        client_address: tuple[str, int],
        server: HTTPServer,
        app_object: Chalice,
        config: Config,
    ) -> None:
        # BaseHTTPRequestHandler answers the request inside __init__: the gateway must be set
        # first (ChaliceRequestHandler.__init__ would set chalice's own).
        self.local_gateway = LocalApiGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
        if is_bridge_path(self.path):
            self._send_static(head=False)
        else:
            self._generic_handle()

    def do_HEAD(self) -> None:  # noqa: N802
        if is_bridge_path(self.path):
            self._send_static(head=True)
        else:
            self._generic_handle()

    def _send_static(self, head: bool) -> None:
        """The Bridge's files (qm/local/static.py); API Gateway serves them from S3 in AWS."""
        found = static_answer(self.path, dict(self.headers))
        self.send_response(found.status)
        for name, value in found.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(found.body)))
        self.end_headers()
        if not head:
            self.wfile.write(found.body)
