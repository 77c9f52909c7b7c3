"""The `slo.yaml` document (Keptn 0.1.x / 1.0) as written; the lighthouse applies the defaults.

Keptn decodes this file with Go's yaml.v3 into plain structs: unknown keys are ignored, any
scalar is accepted where text is expected, a float is truncated where an integer is expected,
and unknown `compare_with` / `include_result_with_score` / `aggregate_function` values are
evaluated rather than refused. These models accept the same files and refuse only what that
decoder refuses (a list where a mapping belongs, text where a number belongs, ...).

Defaults are NOT filled in here: `chalicelib.engine.lighthouse.settings` applies them, so a
validator or the Bridge can still show what the user wrote.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
)


def scalar_as_text(value: Any) -> Any:
    """Turn a YAML scalar into the text Go's decoder stores in a string field.

    `pass: 90` and `spec_version: 1.0` are read by Keptn as "90" and "1.0"; a null item is "".
    Lists and mappings are returned unchanged so that pydantic refuses them, as Keptn does.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _optional_scalar_as_text(value: Any) -> Any:
    # None means "not written" and stays None so the engine can apply Keptn's default.
    return None if value is None else scalar_as_text(value)


def _whole_number(value: Any) -> Any:
    # yaml.v3 truncates a float written into an int field (2.5 -> 2) but refuses text, booleans,
    # infinities and NaN; a negative count or weight has no meaning, so it is refused too.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value!r}")
    if value < 0:
        raise ValueError(f"must not be negative (it is {value!r})")
    return value


def _filter_values_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {scalar_as_text(key): scalar_as_text(item) for key, item in value.items()}
    return value


#: A string field Keptn fills from any YAML scalar; None when the key is absent or null.
ScalarText = Annotated[str | None, BeforeValidator(_optional_scalar_as_text)]
#: A list item Keptn fills from any YAML scalar (a null item becomes "").
ScalarItem = Annotated[str, BeforeValidator(scalar_as_text)]
#: A Go int field as written; Keptn truncates a float written there (weight: 2.5 counts as 2).
WholeNumber = Annotated[int | float | None, BeforeValidator(_whole_number)]


class _KeptnDocument(BaseModel):
    """Shared config: read by Keptn's key names only; unknown keys kept (Keptn ignores them).

    Only the Keptn spelling is read (`displayName`, not `display_name`), as Keptn's decoder does,
    so a misspelt key is ignored the same way instead of changing the evaluation.
    """

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
    )


class SloCriteriaSet(_KeptnDocument):
    """One entry of `pass:` or `warning:`; its criteria are AND-combined, entries OR-combined."""

    criteria: list[ScalarItem] | None = Field(
        default=None, description="Criteria strings such as '<=+10%' or '<600'."
    )


class SloObjective(_KeptnDocument):
    """One objective: an SLI with pass/warning criteria sets, a weight and the key-SLI flag."""

    sli: ScalarText = Field(default=None, description="Name of the SLI (a key of sli.yaml).")
    display_name: ScalarText = Field(default=None, alias="displayName")
    pass_: list[SloCriteriaSet] | None = Field(
        default=None, alias="pass", description="No pass criteria: informational objective."
    )
    warning: list[SloCriteriaSet] | None = None
    weight: WholeNumber = Field(
        default=None, description="0 or absent counts as 1 (Keptn's default)."
    )
    key_sli: StrictBool | None = Field(
        default=None, description="A failing key SLI fails the whole evaluation."
    )


class SloComparison(_KeptnDocument):
    """How previous evaluations are chosen and aggregated into the baseline."""

    compare_with: ScalarText = Field(
        default=None, description="single_result | several_results (anything else fetches 3)."
    )
    include_result_with_score: ScalarText = Field(
        default=None, description="pass | pass_or_warn | all (filters on the overall result)."
    )
    number_of_comparison_results: WholeNumber = Field(
        default=None, description="Results used by several_results; 0 or absent means 3."
    )
    aggregate_function: ScalarText = Field(
        default=None, description="avg | p50 | p90 | p95 (an unknown name aggregates to 0)."
    )


class SloTotalScore(_KeptnDocument):
    """Score thresholds: a number optionally followed by '%', compared with >=."""

    pass_: ScalarText = Field(default=None, alias="pass")
    warning: ScalarText = None


class SloFile(_KeptnDocument):
    """A whole `slo.yaml`, exactly as written (null objectives and absent blocks preserved)."""

    spec_version: ScalarText = None
    filter: Annotated[dict[str, str] | None, BeforeValidator(_filter_values_as_text)] = Field(
        default=None, description="Passed to the SLI provider as customFilters."
    )
    comparison: SloComparison | None = None
    objectives: list[SloObjective | None] | None = None
    total_score: SloTotalScore | None = None
