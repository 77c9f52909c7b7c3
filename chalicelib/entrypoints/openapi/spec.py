"""Operations as plain data, and their assembly into an OpenAPI 3.1 document whose schemas
pydantic generates from the request and response models."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from chalicelib.domain.api.common import ErrorBody

REF_TEMPLATE = "#/components/schemas/{model}"
JSON = "application/json"
PARAMETER = re.compile(r"\{([^}]+)\}")

# Path parameters with the values the examples (and the contract tests' seed data) use.
PATH_PARAMETERS: dict[str, tuple[str, str]] = {
    "project": ("the project name", "shop"),
    "stage": ("the stage name", "dev"),
    "service": ("the service name", "cart"),
    "uri": ("the file's path in the configuration; URL-encode '/' as %2F", "slo.yaml"),
    "event_type": (
        "an event type, full (sh.keptn.event.deployment.triggered) or short "
        "(deployment.triggered where the route allows it)",
        "sh.keptn.event.deployment.triggered",
    ),
    "keptn_context": ("the keptn context of the run", "3a4b1f2e-8f0c-4d6e-9a51-2b7c0e1d9f00"),
    "triggered_id": ("the id of the approval's .triggered event", "5c9e2b7a-0d41-4f3e-a1c8"),
    "name": ("the token's name", "ci-pipeline"),
}

ERROR_DESCRIPTIONS = {
    400: "the request is invalid; the message names the field and the fix",
    401: "no x-token header",
    403: "the token is unknown, revoked or expired",
    404: "the named entity does not exist",
    409: "the request contradicts the current state (already exists, already decided)",
    410: "the entity can no longer be acted on (expired, finished)",
    413: "the request is larger than the limit the message names",
    415: (
        "the Content-Type is not one the route accepts (the header is checked on every "
        "request, also one without a body)"
    ),
    429: (
        "too many failed authentications from this client (a burst of 5, then one per second): "
        "wait the seconds Retry-After names, and send a valid x-token"
    ),
    503: "an AWS service failed; trying again may succeed",
}
# The messages of the token check, the same on every authenticated operation.
ERROR_EXAMPLES = {
    401: "missing x-token header: send your API token as 'x-token: <token>'",
    403: "invalid x-token: the token is not known to this Quartermaster",
    429: "too many failed authentications from this client; retry after 1 s with a valid x-token",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "whole seconds to wait before the next attempt",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
        "example": 1,
    }
}


class BodySchemas(GenerateJsonSchema):
    """Request bodies ignore the fields the API does not know (chalicelib/services/bodies.py),
    so their schemas allow them; a body that refuses them says so in its json_schema_extra
    (`"additionalProperties": False`). Answers keep exactly the fields described."""

    def model_schema(self, schema: core_schema.ModelSchema) -> dict[str, Any]:
        json_schema = super().model_schema(schema)
        extra = schema["cls"].model_config.get("json_schema_extra")
        strict = isinstance(extra, dict) and extra.get("additionalProperties") is False
        if (
            self.mode == "validation"
            and not strict
            and json_schema.get("additionalProperties") is False
        ):
            del json_schema["additionalProperties"]
        return json_schema


@dataclass(frozen=True)
class Query:
    """A query parameter; `schema` is its JSON schema."""

    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


def integer(low: int, high: int, default: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "default": default}


# Keptn's `pageSize` on the listings that answer every item in one page: read as strictly as
# on the paged routes (not a whole number in range is a 400), then it splits nothing.
ONE_PAGE = Query(
    "pageSize",
    "read as on the paged routes, then everything is answered in one page",
    {"type": "integer", "minimum": 1, "maximum": 999_999_999},
)


@dataclass(frozen=True)
class Operation:
    """One method on one path: what it takes, what it answers, which errors it can give."""

    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str
    summary: str
    tag: str
    answer: type[BaseModel]
    status: int = 200
    body: type[BaseModel] | None = None
    body_types: tuple[str, ...] = (JSON,)
    query: tuple[Query, ...] = ()
    errors: tuple[int, ...] = ()
    public: bool = False
    description: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # (name, description) of the success answer

    @property
    def path_parameters(self) -> list[str]:
        return PARAMETER.findall(self.path)

    def error_statuses(self) -> list[int]:
        # Chalice refuses a Content-Type the route does not accept before the route runs.
        statuses = {*self.errors, 415}
        if not self.public:
            # The token check (401, 403, 429) reads DynamoDB (503), before the route runs.
            statuses |= {401, 403, 429, 503}
        if self.body is not None:
            statuses |= {400, 413}
        if self.query:
            statuses.add(400)
        if self.path_parameters:
            # 400: a parameter too long to be a key (http_routing.refuse_oversized_parameters).
            statuses |= {400, 404}
        return sorted(statuses)

    @property
    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path).strip("/").replace("/", "_").replace("-", "_")
        return f"{self.method.lower()}_{words}"


def examples_of(model: type[BaseModel]) -> list[Any]:
    """The examples a model declares (`json_schema_extra`), for the media types."""
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return list(examples) if isinstance(examples, list) else []


def _media(ref: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": ref}
    examples = examples_of(model)
    if examples:
        media["example"] = examples[0]
    return media


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in operation.path_parameters:
        description, example = PATH_PARAMETERS[name]
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": {"type": "string", "minLength": 1},
                "example": example,
            }
        )
    for query in operation.query:
        parameters.append(
            {
                "name": query.name,
                "in": "query",
                "required": query.required,
                "description": query.description,
                "schema": query.schema,
            }
        )
    return parameters


Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _operation(operation: Operation, refs: Refs) -> dict[str, Any]:
    answer = refs[(operation.answer, "serialization")]
    error = refs[(ErrorBody, "serialization")]
    responses: dict[str, Any] = {
        str(operation.status): {
            "description": operation.answer.__doc__.strip().splitlines()[0]
            if operation.answer.__doc__
            else "success",
            "content": {JSON: _media(answer, operation.answer)},
        }
    }
    if operation.headers:
        responses[str(operation.status)]["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in operation.headers
        }
    for status in operation.error_statuses():
        media: dict[str, Any] = {"schema": error}
        if status in ERROR_EXAMPLES:
            media["example"] = {"code": status, "message": ERROR_EXAMPLES[status]}
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {JSON: media},
        }
        if status == 429:
            responses[str(status)]["headers"] = RETRY_AFTER
    entry: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": responses,
    }
    if operation.description:
        entry["description"] = operation.description
    parameters = _parameters(operation)
    if parameters:
        entry["parameters"] = parameters
    if operation.body is not None:
        body = refs[(operation.body, "validation")]
        entry["requestBody"] = {
            "required": True,
            "content": {kind: _media(body, operation.body) for kind in operation.body_types},
        }
    if operation.public:
        entry["security"] = []
    return entry


def build_document(
    operations: list[Operation], info: dict[str, Any], tags: list[dict[str, str]]
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `operations`, every schema generated by pydantic."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for operation in operations:
        wanted.append((operation.answer, "serialization"))
        if operation.body is not None:
            wanted.append((operation.body, "validation"))
    unique = list(dict.fromkeys(wanted))
    refs, definitions = models_json_schema(
        unique, ref_template=REF_TEMPLATE, schema_generator=BodySchemas
    )
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, refs)
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": "/", "description": "the API's own address"}],
        "tags": tags,
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "x-token",
                    "description": "an API token (qm local up prints one)",
                }
            },
        },
    }
