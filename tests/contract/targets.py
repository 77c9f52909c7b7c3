"""What the contract tests check: our own description on the /v1 routes with every check, and
each of Keptn's Swagger files on the alias paths with the checks Keptn's files can support."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
import yaml
from schemathesis import APIOperation, BaseSchema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.entrypoints.http_routing import deferred_reason
from chalicelib.entrypoints.openapi import document
from tests.conformance.test_keptn_api_paths import PUBLIC_PREFIX
from tests.conftest import SHARED_REFERENCE

Check = Callable[..., Any]
ALL_CHECKS: dict[str, Check] = {
    "not_a_server_error": not_a_server_error,
    "status_code_conformance": status_code_conformance,
    "content_type_conformance": content_type_conformance,
    "response_schema_conformance": response_schema_conformance,
}
# Keptn's files leave out many status codes and content types (see docs/keptn-compatibility.md,
# "The API contract"): only what they describe of the answers is held against the aliases.
KEPTN_CHECKS = ("not_a_server_error", "response_schema_conformance")
# Reported, never failing: the status codes Keptn's files do not list (the deviations table).
KEPTN_INFORMATIONAL = ("status_code_conformance",)


@dataclass(frozen=True)
class Target:
    """One description and where its paths are served."""

    name: str
    prefix: str  # prepended to the description's paths
    checks: tuple[str, ...]
    load: Callable[[], BaseSchema]
    informational: tuple[str, ...] = ()

    def served(self, operation: APIOperation[Any, Any, Any, Any]) -> bool:
        if self.name == "quartermaster":
            return True
        return deferred_reason(self.prefix + operation.path) is None


def _configured(schema: BaseSchema) -> BaseSchema:
    # Every case carries the real token (missing and wrong tokens have tests of their own):
    # the generator is not to fill, or leave out, the security scheme's header.
    schema.config.generation.update(with_security_parameters=False)
    return schema


def _ours() -> BaseSchema:
    return _configured(schemathesis.openapi.from_dict(document()))


def _keptn(file: str) -> Callable[[], BaseSchema]:
    def load() -> BaseSchema:
        spec = yaml.safe_load((SHARED_REFERENCE / "keptn-api" / file).read_text())
        # YAML reads the examples' timestamps as datetimes; JSON (and the wire) has text.
        as_json = json.loads(json.dumps(spec, default=lambda value: value.isoformat()))
        return _configured(schemathesis.openapi.from_dict(as_json))

    return load


def targets() -> list[Target]:
    found = [Target("quartermaster", "", tuple(ALL_CHECKS), _ours)]
    if (SHARED_REFERENCE / "keptn-api").is_dir():
        found += [
            Target(
                file.removesuffix(".swagger.yaml"),
                prefix.rstrip("/"),
                KEPTN_CHECKS,
                _keptn(file),
                KEPTN_INFORMATIONAL,
            )
            for file, prefix in PUBLIC_PREFIX.items()
        ]
    return found
