"""What a deployment task asks for and what a target runs: the strategy (from the task's
`deployment` properties), the artifact (from `configurationChange.values`), a target's traffic
routing, where a deployment is reachable, and the steps of a canary."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.errors import InvalidInput

DEPLOYMENT = "deployment"
RELEASE = "release"
ROLLBACK = "rollback"
TARGET_TASKS = (DEPLOYMENT, RELEASE, ROLLBACK)

_S3_URI = re.compile(
    r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>[^?]+)(\?versionId=(?P<v>.+))?"
)
_EXAMPLES = {
    "artifact": "s3://my-bucket/carts/1.4.2.zip",
    "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/carts:1.4.2",
    "version": "7",
}


class StrategyKind(StrEnum):
    """How a new version reaches its traffic."""

    DIRECT = "direct"  # all traffic at once
    BLUE_GREEN = "blue_green_service"  # staged at 0% until `release`; `rollback` discards it
    CANARY = "canary"  # weighted steps, each baked and evaluated
    USER_MANAGED = "user_managed"  # not Quartermaster's: the user's own tool deploys


class PlanStep(BaseModel):
    """One canary step: `weight` percent of the traffic on the new version for `bake_seconds`,
    then an evaluation. The plan ends with the promotion (100%), which is no step."""

    model_config = ConfigDict(frozen=True)

    weight: float = Field(gt=0, lt=100)
    bake_seconds: int = Field(ge=1)


class Strategy(BaseModel):
    """A deployment strategy: its name as the task gave it, its kind and, for a canary, the
    plan."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: StrategyKind
    plan: tuple[PlanStep, ...] = ()

    def describe(self) -> str:
        if self.kind is not StrategyKind.CANARY:
            return self.name
        steps = ", ".join(f"{step.weight:g}%" for step in self.plan)
        return f"{self.name} ({steps}, then 100%)"


class Artifact(BaseModel):
    """What to deploy, from the task's `configurationChange.values`: a zip in S3 (`artifact`),
    a container image (`image`), or a version that exists already (`version`)."""

    model_config = ConfigDict(frozen=True)

    s3: str | None = None
    image: str | None = None
    version: str | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, Any] | None) -> Artifact:
        """Read `configurationChange.values`: `artifact` (s3://bucket/key.zip), `image` (a
        container image URI) and `version` (a number or name); InvalidInput for a value that is
        not text."""
        found: dict[str, str] = {}
        for key, field in (("artifact", "s3"), ("image", "image"), ("version", "version")):
            value = (values or {}).get(key)
            if value is None or value == "":
                continue
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise InvalidInput(
                    f"configurationChange.values.{key} must be text, e.g. {_EXAMPLES[key]}"
                )
            found[field] = str(value)
        artifact = cls(**found)
        if artifact.s3 is not None and artifact.s3_location is None:
            raise InvalidInput(
                f"configurationChange.values.artifact '{artifact.s3}' is not an S3 URI; use "
                f"{_EXAMPLES['artifact']}"
            )
        return artifact

    @property
    def s3_location(self) -> tuple[str, str, str | None] | None:
        """(bucket, key, object version) of `s3`; None when there is none or it is malformed."""
        match = _S3_URI.fullmatch(self.s3 or "")
        if match is None:
            return None
        return match.group("bucket"), match.group("key"), match.group("v")

    def describe(self) -> str:
        if self.version is not None:
            return f"version {self.version}"
        return self.s3 or self.image or "nothing"

    @property
    def empty(self) -> bool:
        return self.s3 is None and self.image is None and self.version is None


class Routing(BaseModel):
    """What runs on a target now: `version` takes the traffic that `candidate` does not;
    `weight` is the candidate's share in percent (0 for a staged version). `version` None: the
    target has never been deployed to."""

    model_config = ConfigDict(frozen=True)

    version: str | None = None
    candidate: str | None = None
    weight: float = Field(default=0.0, ge=0, le=100)

    def describe(self) -> str:
        if self.version is None:
            return "nothing deployed"
        if self.candidate is None:
            return f"version {self.version} takes all traffic"
        return (
            f"version {self.version} takes {100 - self.weight:g}%, version {self.candidate} "
            f"{self.weight:g}%"
        )


class Endpoints(BaseModel):
    """Where a deployment is reachable, in Keptn's words (deployment.finished), and the values
    of the SLI placeholders it offers (`function` -> `$FUNCTION`, ...)."""

    model_config = ConfigDict(frozen=True)

    names: list[str] = Field(default_factory=list)  # deploymentNames
    local: list[str] = Field(default_factory=list)  # deploymentURIsLocal
    public: list[str] = Field(default_factory=list)  # deploymentURIsPublic
    placeholders: dict[str, str] = Field(default_factory=dict)
