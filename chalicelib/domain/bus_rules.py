"""EventBridge rules as data: what a subscription's rule is (name, pattern, target) and what a
listing of the bus finds, so the plan between them is computed without any AWS call."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RuleTarget(BaseModel):
    """The one target of a subscription's rule."""

    model_config = ConfigDict(frozen=True)

    id: str
    arn: str
    role_arn: str | None = None
    # InputTransformer: the template and its paths (placeholder -> JSONPath into the entry).
    input_template: str | None = None
    input_paths: tuple[tuple[str, str], ...] = ()
    # InputPath: deliver only this part of the entry (e.g. `$.detail`, the CloudEvent).
    input_path: str | None = None


class RuleSpec(BaseModel):
    """A rule as it must be on the bus."""

    model_config = ConfigDict(frozen=True)

    name: str
    pattern: str  # the event pattern, as JSON with sorted keys
    description: str
    target: RuleTarget


class ExistingRule(BaseModel):
    """A rule as a listing of the bus found it (its targets may be missing: an apply
    interrupted between creating the rule and setting its target)."""

    model_config = ConfigDict(frozen=True)

    name: str
    pattern: str
    targets: tuple[RuleTarget, ...] = ()
