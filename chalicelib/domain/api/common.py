"""What every area's bodies share: the base model (Keptn's JSON names on the wire) and the
error and message bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    """Python names in code, Keptn's JSON names on the wire; no field beyond those described."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )


class ErrorBody(ApiModel):
    """Every error: the HTTP status and a message naming the field or entity and the fix."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": 404, "message": "project 'ghost' does not exist"}]}
    )

    code: int = Field(description="the HTTP status code, repeated")
    message: str = Field(description="what is wrong and how to fix it")


class MessageBody(ApiModel):
    """A one-line confirmation."""

    message: str


class EmptyBody(ApiModel):
    """An empty object: Keptn answers some writes with `{}`."""
