"""What a get-sli request asks for, and the `$PLACEHOLDER`s of SLI queries filled in from it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_KEPTN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})?")
_TIME_FORMATS = (
    "2006-01-02T15:04:05.000Z, RFC 3339 (2006-01-02T15:04:05+02:00) or 2006-01-02T15:04:05"
)


def parse_keptn_time(value: Any) -> datetime:
    """A Keptn timestamp (`...Z`, RFC 3339 or a zone-less time read as UTC) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or _KEPTN_TIME.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not a timestamp; use {_TIME_FORMATS}")
    moment = datetime.fromisoformat(value.replace("z", "Z"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


KeptnTime = Annotated[datetime, BeforeValidator(parse_keptn_time)]


def _filters_as_list(value: Any) -> Any:
    # get-sli.triggered carries a list of {key, value}; callers holding the SLO file's `filter`
    # mapping may pass it as it is.
    if isinstance(value, Mapping):
        return [{"key": key, "value": item} for key, item in value.items()]
    return [] if value is None else value


class CustomFilter(BaseModel):
    """One `customFilters[]` entry of get-sli.triggered (an SLO file `filter` entry)."""

    model_config = ConfigDict(frozen=True, coerce_numbers_to_str=True)

    key: str
    value: Annotated[str, BeforeValidator(lambda value: "" if value is None else value)] = ""


class SliRequest(BaseModel):
    """The SLIs to measure for one service over one window (the data of get-sli.triggered)."""

    model_config = ConfigDict(frozen=True, coerce_numbers_to_str=True)

    project: str
    stage: str
    service: str
    deployment: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    start: KeptnTime
    end: KeptnTime
    indicators: list[str] = Field(default_factory=list)
    custom_filters: Annotated[list[CustomFilter], BeforeValidator(_filters_as_list)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> SliRequest:
        if self.end <= self.start:
            raise ValueError(
                f"the window must end after it starts (start {self.start.isoformat()}, "
                f"end {self.end.isoformat()})"
            )
        return self

    @classmethod
    def from_get_sli_triggered(cls, data: Mapping[str, Any]) -> SliRequest:
        """Read the `data` of a get-sli.triggered event (`get-sli.{start,end,indicators,...}`)."""
        get_sli = data.get("get-sli") or {}
        # `deployment` is a string in get-sli (the first deploymentNames entry); the mapping
        # other tasks carry under that key has no single name to offer.
        deployment = data.get("deployment")
        return cls.model_validate(
            {
                "project": data.get("project") or "",
                "stage": data.get("stage") or "",
                "service": data.get("service") or "",
                "deployment": deployment if isinstance(deployment, str) else "",
                "labels": data.get("labels") or {},
                "start": get_sli.get("start"),
                "end": get_sli.get("end"),
                "indicators": get_sli.get("indicators") or [],
                "custom_filters": get_sli.get("customFilters") or [],
            }
        )

    @property
    def duration_seconds(self) -> int:
        """end - start in whole seconds, rounded up as Keptn's prometheus-service does."""
        return math.ceil((self.end - self.start).total_seconds())

    @property
    def placeholders(self) -> dict[str, str]:
        """Placeholder (with its `$`) -> the text that replaces it."""
        values = {
            "$PROJECT": self.project,
            "$STAGE": self.stage,
            "$SERVICE": self.service,
            "$DEPLOYMENT": self.deployment,
            "$DURATION_SECONDS": f"{self.duration_seconds}s",
        }
        values.update({f"$LABEL.{name}": value for name, value in self.labels.items()})
        # Custom filters win over the names above: Keptn replaces them first. Their quotes are
        # removed, as Keptn does, so a filter value cannot close the quotes around it in a query.
        for entry in self.custom_filters:
            value = entry.value.replace("'", "").replace('"', "")
            values[f"${entry.key}"] = value
            values[f"${entry.key.upper()}"] = value
        return values

    def render(self, query: str) -> str:
        """`query` with every known placeholder replaced; unknown `$NAMES` stay as they are."""
        return render_placeholders(query, self.placeholders)


def render_placeholders(query: str, values: Mapping[str, str]) -> str:
    """Replace every key of `values` found in `query` by its value, in one pass.

    Like Keptn, a placeholder is found anywhere (`$SERVICE-$STAGE`, `$SERVICEapi`); unlike
    Keptn's chain of replacements, the longest name wins (`$DURATION_SECONDS` over a filter
    named `duration`) and replaced text is never scanned again.
    """
    names = sorted((name for name in values if name not in ("", "$")), key=len, reverse=True)
    if not names:
        return query
    pattern = re.compile("|".join(re.escape(name) for name in names))
    return pattern.sub(lambda match: values[match.group(0)], query)
