"""The description's own answer, as a model: an OpenAPI 3.1 document."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel


class OpenApiDocument(ApiModel):
    """An OpenAPI 3.1 document (this one)."""

    model_config = ConfigDict(extra="allow")

    openapi: str = Field(pattern=r"^3\.1\.\d+$")
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
