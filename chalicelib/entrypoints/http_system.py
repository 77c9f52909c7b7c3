"""HTTP routes that are not about one entity: health, token check, installation metadata."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http_support import api_view, identity_of

system_api = Blueprint(__name__)
VERSION = "0.1.0"


@system_api.route("/v1/health", methods=["GET"])
@system_api.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "OK"}


@system_api.route("/v1/auth", methods=["POST"])
@system_api.route("/api/v1/auth", methods=["POST"])
@api_view
def auth() -> dict[str, str]:
    # The middleware already refused missing (401) and wrong (403) tokens.
    return {"message": "authenticated", "identity": identity_of(system_api.current_request)}


@system_api.route("/v1/metadata", methods=["GET"])
@system_api.route("/api/v1/metadata", methods=["GET"])
@api_view
def metadata() -> dict[str, Any]:
    return {
        "namespace": container().settings.stage,
        "keptnversion": VERSION,
        "keptnlabel": "quartermaster",
        "shipyardversion": "spec.keptn.sh/0.2.x",
        "automaticprovisioning": False,
    }
