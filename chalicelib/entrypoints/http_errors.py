"""HTTP middleware: every error answer has the documented shape `{"code", "message"}`.

Chalice answers some requests itself, in its own shape `{"Code", "Message"}`: an unsupported
method (405), an unsupported content type (415), a view that raised something other than a
QuartermasterError (500, after logging the stack trace) and its ChaliceViewErrors. This
middleware, the outermost one, rewrites those, and turns an exception raised by an inner
middleware into a logged JSON 500. No stack trace ever reaches the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalice import Response  # type: ignore[attr-defined]
from chalice.app import Request

from chalicelib.entrypoints.http_support import error_body

log = logging.getLogger("quartermaster-handlers.http")
LONGEST_ECHO = 100  # characters of a client's header repeated in a message

INTERNAL_ERROR = (
    "internal error: the request could not be completed; it has been logged, "
    "try again later or report it with the time of the request"
)


Headers = dict[str, str | list[str]]


def _json_error(status: int, message: str, headers: Headers) -> Response:
    return Response(
        body=error_body(status, message),
        status_code=status,
        headers={**headers, "Content-Type": "application/json"},
    )


def _chalice_message(response: Response) -> str | None:
    body: Any = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        return str(body["Message"])
    return None


def reshape(response: Response) -> Response:
    """The same answer in the documented error shape (a success passes unchanged)."""
    status = response.status_code
    if status < 400:
        return response
    message = _chalice_message(response)
    headers: Headers = {
        name: value for name, value in response.headers.items() if name.lower() != "content-type"
    }
    if status >= 500:
        body: Any = response.body
        if isinstance(body, dict) and {"code", "message"} <= set(body):
            return response
        # Chalice's debug mode would send the stack trace as text: never to a client.
        return _json_error(status, INTERNAL_ERROR, headers)
    if message is None:
        return response
    if status == 405:
        allow = headers.get("Allow", "")
        listed = allow if isinstance(allow, list) else allow.split(",")
        allowed = ", ".join(sorted(m.strip() for m in listed if m.strip()))
        method = message.rpartition(" ")[2]
        message = f"method {method} is not allowed on this path; allowed: {allowed or 'none'}"
    elif status == 415:
        content_type = message.partition(": ")[2][:LONGEST_ECHO]
        message = (
            f"content type '{content_type}' is not accepted on this path; "
            "send the body as application/json"
        )
    return _json_error(status, message, headers)


def documented_errors(request: Request, get_response: Callable[[Request], Response]) -> Response:
    try:
        response = get_response(request)
    except Exception:
        path = request.context.get("path", "?") if request is not None else "?"
        log.exception("unhandled error answering %s", path)
        return _json_error(500, INTERNAL_ERROR, {})
    return reshape(response)
