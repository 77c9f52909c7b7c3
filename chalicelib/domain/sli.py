"""The `sli.yaml` document: SLI names mapped to the provider's query text.

Providers add their own keys next to `indicators` (e.g. Dynatrace's dashboard settings), so
unknown keys are kept. Queries written as YAML numbers or booleans become text, as in Keptn.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chalicelib.domain.slo import scalar_as_text


def _queries_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {scalar_as_text(key): scalar_as_text(query) for key, query in value.items()}
    return value


class SliFile(BaseModel):
    """A whole `sli.yaml`: `spec_version` and `indicators` (SLI name -> query)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    spec_version: Annotated[str | None, BeforeValidator(scalar_as_text)] = None
    indicators: Annotated[dict[str, str], BeforeValidator(_queries_as_text)] = Field(
        default_factory=dict, description="SLI name -> query understood by the SLI provider."
    )
