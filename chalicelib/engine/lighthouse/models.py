"""Lighthouse wire models: SLI values in, `evaluation.finished` data out, with Keptn's field names.

`model_dump(by_alias=True)` of these models produces the JSON Keptn 1.4.5 sends (go-utils
0.20.4): `comparedValue`, `passTargets`, `keySli`, ...; a value's empty `message` and an empty
`comparedEvents` are left out, as Go's `omitempty` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    model_serializer,
)

ResultName = Literal["pass", "warning", "fail"]
ObjectiveStatus = Literal["pass", "warning", "fail", "info"]
EventStatus = Literal["succeeded", "errored"]


def _go_number(value: Any) -> Any:
    # Go's encoding/json reads null as 0 and refuses text and booleans for a float64 field.
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {type(value).__name__} {value!r}")
    return float(value)


def _go_text(value: Any) -> Any:
    return "" if value is None else value


def _go_bool(value: Any) -> Any:
    return False if value is None else value


GoFloat = Annotated[float, BeforeValidator(_go_number)]
GoText = Annotated[str, BeforeValidator(_go_text)]
GoBool = Annotated[StrictBool, BeforeValidator(_go_bool)]


class _WireModel(BaseModel):
    """Keptn's JSON names on the wire; Python names in code; unknown fields ignored on input."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )


class IndicatorValue(_WireModel):
    """One SLI value (Keptn's SLIResult), as in get-sli.finished `indicatorValues[]`."""

    metric: GoText = ""
    value: GoFloat = 0.0
    compared_value: GoFloat = Field(default=0.0, alias="comparedValue")
    success: GoBool = False
    message: GoText = ""

    @model_serializer(mode="wrap")
    def _omit_empty_message(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not data.get("message"):
            data.pop("message", None)
        return data


class SliTarget(_WireModel):
    """One criterion of an objective with the value it was compared against."""

    criteria: str
    target_value: float = Field(alias="targetValue")
    violated: bool


class IndicatorResult(_WireModel):
    """The evaluation of one objective (Keptn's SLIEvaluationResult)."""

    score: float
    value: IndicatorValue | None
    display_name: str = Field(default="", alias="displayName")
    pass_targets: list[SliTarget] | None = Field(default=None, alias="passTargets")
    warning_targets: list[SliTarget] | None = Field(default=None, alias="warningTargets")
    key_sli: bool = Field(default=False, alias="keySli")
    status: ObjectiveStatus


class EvaluationDetails(_WireModel):
    """`data.evaluation` of evaluation.finished."""

    time_start: str = Field(default="", alias="timeStart")
    time_end: str = Field(default="", alias="timeEnd")
    result: ResultName
    score: float
    slo_file_content: str = Field(default="", alias="sloFileContent")
    indicator_results: list[IndicatorResult] | None = Field(default=None, alias="indicatorResults")
    compared_events: list[str] = Field(default_factory=list, alias="comparedEvents")

    @model_serializer(mode="wrap")
    def _omit_empty_compared_events(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not data.get("comparedEvents", data.get("compared_events")):
            data.pop("comparedEvents", None)
            data.pop("compared_events", None)
        return data


class EvaluationOutcome(_WireModel):
    """What goes into evaluation.finished data besides project/stage/service/labels."""

    result: ResultName
    status: EventStatus
    message: str
    evaluation: EvaluationDetails

    def to_event_data(self) -> dict[str, Any]:
        """The JSON-ready `data` fields, with Keptn's names."""
        return self.model_dump(mode="json", by_alias=True)


class PreviousIndicatorResult(_WireModel):
    """An `indicatorResults[]` entry of an earlier evaluation; only its value is used."""

    value: IndicatorValue | None = None


class PreviousEvaluation(_WireModel):
    """An earlier evaluation.finished: its event id, overall `data.result` and SLI values."""

    id: str | None = None
    result: GoText = ""
    indicator_results: list[PreviousIndicatorResult | None] | None = Field(
        default=None, alias="indicatorResults"
    )

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> PreviousEvaluation:
        """Read a stored evaluation.finished CloudEvent (`id` and `data`)."""
        data = event.get("data") or {}
        evaluation = data.get("evaluation") or {}
        return cls.model_validate(
            {
                "id": event.get("id"),
                "result": data.get("result"),
                "indicatorResults": evaluation.get("indicatorResults"),
            }
        )


class GetSliResult(_WireModel):
    """status, result and message of the get-sli.finished event the evaluation answers."""

    status: GoText = "succeeded"
    result: GoText = "pass"
    message: GoText = ""
