"""HTTP route serving the API's own OpenAPI description, without a token, so tools find it."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

openapi_api = Blueprint(__name__)


@openapi_api.route("/v1/openapi.json", methods=["GET"])
def openapi_document() -> dict[str, Any]:
    # Imported here: only this route needs the models of every area and their schemas.
    from chalicelib.entrypoints.openapi import document

    return document()
