"""Webhook handler and routes: the executor on the bus, registering and listing webhooks, and
the approval links of chat messages (public: the signed link is the credential)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.bootstrap import container, link_key, sequencing_deps, webhook_deps
from chalicelib.entrypoints.http_support import api_view, identity_of, json_object
from chalicelib.entrypoints.sequencing import bus_event
from chalicelib.observability import observed

if TYPE_CHECKING:
    from chalicelib.services.webhooks.link_decisions import LinkPage

webhooks_api = Blueprint(__name__)
LINK_ROUTE = "/approval-link/{token}"
# A browser form posts urlencoded; the body is never read, so any type (or none) is taken.
FORM_TYPES = ["*/*"]
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


@webhooks_api.lambda_function(name="webhooks")
@observed("webhooks")
def webhooks(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.webhooks.executor import on_event

    received = bus_event(event)
    if received is not None:
        on_event(received, webhook_deps())


@webhooks_api.route("/v1/project/{project}/webhook", methods=["GET"])
@api_view
def list_webhooks(project: str) -> dict[str, Any]:
    from chalicelib.services.webhooks.registry import list_webhooks as listed

    return {"webhooks": listed(project, container().config)}


@webhooks_api.route("/v1/project/{project}/webhook", methods=["POST"])
@api_view
def register_webhook(project: str) -> Response:
    from chalicelib.services.webhooks.registry import register

    request = webhooks_api.current_request
    registered = register(project, json_object(request), identity_of(request), container().config)
    return Response(body=registered, status_code=201, headers={"Content-Type": "application/json"})


def _page(page: LinkPage) -> Response:
    title, text = html.escape(page.title), html.escape(page.text)
    form = (
        f'<form method="post"><button type="submit">{html.escape(page.confirm)}</button></form>'
        if page.confirm
        else ""
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} - Quartermaster</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em}"
        "button{font-size:1.1em;padding:.5em 1.5em}</style></head>"
        f"<body><h1>{title}</h1><p>{text}</p>{form}</body></html>"
    )
    return Response(body=body, status_code=page.status, headers=dict(PAGE_HEADERS))


def _now() -> int:
    return int(container().clock().timestamp())


@webhooks_api.route(LINK_ROUTE, methods=["GET"])
def open_approval_link(token: str) -> Response:
    """Shows what the link would decide; never decides (chat previews fetch links)."""
    from chalicelib.services.webhooks.link_decisions import preview

    return _page(preview(token, link_key()(), _now(), sequencing_deps()))


@webhooks_api.route(LINK_ROUTE, methods=["POST"], content_types=FORM_TYPES)
def confirm_approval_link(token: str) -> Response:
    from chalicelib.services.webhooks.link_decisions import confirm

    return _page(confirm(token, link_key()(), _now(), sequencing_deps()))
