"""What every HTTP route shares: error mapping, token checks, body and parameter parsing."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec

from chalice import Response  # type: ignore[attr-defined]
from chalice.app import Request

from chalicelib.bootstrap import container
from chalicelib.domain import strict_json
from chalicelib.domain.strict_query import whole_number
from chalicelib.errors import InvalidInput, QuartermasterError, TooManyRequests

P = ParamSpec("P")
log = logging.getLogger("quartermaster-handlers.http")

# Routes reachable without a token: health checks for load balancers and uptime probes, the
# API's description, so tools can discover it, and approval links from chat messages (the
# signed link is the credential: chalicelib/services/webhooks/approval_links.py).
PUBLIC_PATHS = frozenset({"/v1/health", "/health", "/v1/openapi.json", "/approval-link/{token}"})
IDENTITY = "qm_identity"


def error_body(status: int, message: str) -> dict[str, Any]:
    """Keptn's error shape."""
    return {"code": status, "message": message}


def api_view(view: Callable[P, Any]) -> Callable[P, Any]:
    """Turn the error tree into Keptn-shaped 4xx/5xx answers; anything else stays a logged 500."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return view(*args, **kwargs)
        except QuartermasterError as error:
            if error.status_code >= 500:
                log.warning("request failed: %s", error.message)
            return Response(
                body=error_body(error.status_code, error.message),
                status_code=error.status_code,
                headers={"Content-Type": "application/json"},
            )

    return wrapper


def require_token(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: every route but the health checks needs a valid `x-token`."""
    resource_path = request.context.get("resourcePath", "")
    if resource_path in PUBLIC_PATHS:
        return get_response(request)
    # API Gateway's own view of the caller: unlike X-Forwarded-For, a client cannot forge it.
    client = str((request.context.get("identity") or {}).get("sourceIp") or "")
    try:
        identity = container().verifier.identify(request.headers.get("x-token"), client)
    except QuartermasterError as error:
        headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
        if isinstance(error, TooManyRequests):
            headers["Retry-After"] = str(error.retry_after)
        return Response(
            body=error_body(error.status_code, error.message),
            status_code=error.status_code,
            headers=headers,
        )
    request.context[IDENTITY] = identity
    return get_response(request)


def identity_of(request: Request) -> str:
    return str(request.context.get(IDENTITY, "unknown"))


def loads_strict(raw: bytes | str | None) -> Any:
    """Parse a JSON body with the strict reader (domain/strict_json): no duplicate keys, no
    NaN/Infinity, nesting and integers bounded; every refusal is a 400 naming the rule."""
    if raw is None or raw in (b"", ""):
        raise InvalidInput("the request body is empty; send a JSON object")
    return strict_json.loads(raw, "the request body")


def json_object(request: Request) -> dict[str, Any]:
    body = loads_strict(request.raw_body)
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def query_param(request: Request, name: str) -> str | None:
    params = request.query_params
    value = params.get(name) if params is not None else None
    return value if value else None


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = query_param(request, name)
    if raw is None:
        return default
    return whole_number(name, raw, low, high)


def one_page(request: Request) -> None:
    """For routes that answer every item in one page: Keptn's `pageSize` is read as strictly as
    on the paged routes (not a whole number is a 400), and then splits nothing."""
    int_param(request, "pageSize", default=1, low=1, high=999_999_999)


def bool_param(request: Request, name: str) -> bool:
    raw = query_param(request, name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise InvalidInput(f"query parameter '{name}' must be true or false, not '{raw}'")
