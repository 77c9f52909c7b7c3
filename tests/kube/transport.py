"""HTTP/1.1 for the stand-in: requests to its API (token first), JSON answers, chunked watch
streams, and the protobuf OpenAPI v2 document older kubectl asks for."""

from __future__ import annotations

import json
import ssl
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.kube import discovery
from tests.kube.store import ApiError

if TYPE_CHECKING:
    from tests.kube.server import KubeStandIn

OPEN = {"/version", "/healthz", "/readyz", "/livez"}


def handler_for(api: KubeStandIn) -> type[BaseHTTPRequestHandler]:
    """The request handler class of one stand-in."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read api.requests instead

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/") or "/"
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                caller = "" if path in OPEN else api.authenticate(self.headers.get("Authorization"))
                api.requests.append((method, self.path, caller))
                if method == "GET" and query.get("watch") in ("true", "1"):
                    self._stream(api.watch(path, query))
                    return
                if method == "GET" and path == "/openapi/v2":
                    self._send(200, discovery.openapi_v2_protobuf(), discovery.OPENAPI_V2_PROTOBUF)
                elif method == "GET":
                    as_table = "as=Table" in self.headers.get("Accept", "")
                    self._send(200, api.read(path, query, self.headers.get("Host", ""), as_table))
                else:
                    code, result = api.write(
                        method, path, query, self.headers.get("Content-Type", ""), body
                    )
                    self._send(code, result)
            except ApiError as exc:
                self._send(exc.code, exc.status())

        def _send(self, code: int, payload: Any, content_type: str = "") -> None:
            if isinstance(payload, bytes):
                data = payload
            elif isinstance(payload, str):
                data, content_type = payload.encode(), "text/plain"
            else:
                data, content_type = json.dumps(payload).encode(), "application/json"
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, events: Any) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for change, obj in events:
                    line = json.dumps({"type": change, "object": obj}).encode() + b"\n"
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except ApiError as exc:
                line = json.dumps({"type": "ERROR", "object": exc.status()}).encode() + b"\n"
                self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler
