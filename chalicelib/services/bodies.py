"""Request bodies read into pydantic models, every problem named with its field (a 400).

The API's one rule for fields it does not know, in every request body: they are ignored, as
Keptn's Go services ignore them. Keptn's clients send fields Quartermaster has no use for (a
project's git proxy and TLS settings, the `metadata` of a resource read back and written
again), and they must keep working. A model's own `extra` setting is for documents and stored
records; a request body never fails for an unknown field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.errors import InvalidInput

Model = TypeVar("Model", bound=BaseModel)


def parse_body(model: type[Model], body: dict[str, Any]) -> Model:
    """`body` as `model`, unknown fields ignored; InvalidInput lists each problem as
    `field: message`."""
    try:
        return model.model_validate(body, extra="ignore")
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "body"
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        raise InvalidInput("; ".join(problems)) from error
