"""Bodies of the routes that are about no one entity: health, token check, metadata."""

from __future__ import annotations

from pydantic import ConfigDict

from chalicelib.domain.api.common import ApiModel


class Health(ApiModel):
    status: str


class AuthResult(ApiModel):
    """The token is valid; `identity` is the name it was issued to."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"message": "authenticated", "identity": "admin"}]}
    )

    message: str
    identity: str


class Metadata(ApiModel):
    """Keptn's installation metadata (`keptn status` reads it)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "namespace": "prod",
                    "keptnversion": "0.1.0",
                    "keptnlabel": "quartermaster",
                    "shipyardversion": "spec.keptn.sh/0.2.x",
                    "automaticprovisioning": False,
                }
            ]
        }
    )

    namespace: str
    keptnversion: str
    keptnlabel: str
    shipyardversion: str
    automaticprovisioning: bool
