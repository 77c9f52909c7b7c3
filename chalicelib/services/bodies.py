"""Request bodies read into pydantic models, every problem named with its field (a 400)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.errors import InvalidInput

Model = TypeVar("Model", bound=BaseModel)


def parse_body(model: type[Model], body: dict[str, Any]) -> Model:
    """`body` as `model`; InvalidInput lists each problem as `field: message`."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "body"
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        raise InvalidInput("; ".join(problems)) from error
