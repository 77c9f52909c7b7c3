"""`target.yaml` (`quartermaster.dev/v1`, kind `Target`): where a service's deployments go.

A target is a configuration resource like any other, at project, stage or service level; the most
specific one wins (service over stage over project), so one project can deploy to Lambda in dev
and to EKS in production. `spec.type` chooses the kind of target:

- `lambda`: a function (name or unqualified ARN) and the alias that takes the traffic;
- `eks`: a cluster (name or ARN), a namespace and the service's manifests (resource URIs of the
  same project, read at the run's configuration version).

Either may name a role of another account (`roleArn`, with an optional `externalId`), assumed for
every call to the target.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from chalicelib.domain.docmodel import ConfigModel, Metadata, NonEmptyStr, NotNull
from chalicelib.domain.durations import parse_go_duration
from chalicelib.errors import InvalidInput

API_VERSION = "quartermaster.dev/v1"
KIND = "Target"
TARGET_FILE = "target.yaml"
DEFAULT_ALIAS = "live"
DEFAULT_NAMESPACE = "default"
DEFAULT_ROLLOUT_TIMEOUT = "5m"
# A step waits for its rollouts inside one invocation of a 15-minute function (deployer,
# canary-steps); a minute stays for the API calls around the waits.
MAX_ROLLOUT_TIMEOUT_SECONDS = 14 * 60

_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:function:(?P<name>[A-Za-z0-9_-]{1,64})"
    r"(?P<qualifier>:[^:]+)?"
)
# Lambda's alias rule: letters, digits, '-' and '_', not only digits (that is a version).
_ALIAS = re.compile(r"(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
_CLUSTER_ARN = re.compile(
    r"arn:aws[a-z-]*:eks:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:cluster/[0-9A-Za-z][A-Za-z0-9_-]{0,99}"
)
_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")
# A Kubernetes namespace is a DNS-1123 label.
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def _resource_uri(value: str) -> str:
    """A manifest's URI in its one stored form (how the config store names it)."""
    from chalicelib.domain.resource_uris import canonical_uri

    try:
        return canonical_uri(value)
    except InvalidInput as error:
        raise ValueError(error.message) from None


class _AssumedRole(ConfigModel):
    """What both kinds share: an optional role of another account to act as."""

    role_arn: Annotated[str | None, NotNull] = Field(default=None, alias="roleArn")
    external_id: Annotated[str | None, NotNull] = Field(default=None, alias="externalId")

    @field_validator("role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not _ROLE_ARN.fullmatch(value):
            raise ValueError(
                f"'{value}' is not an IAM role ARN (arn:aws:iam::111122223333:role/qm-deployer)"
            )
        return value

    @field_validator("external_id")
    @classmethod
    def _external(cls, value: str | None) -> str | None:
        if value is not None and not _EXTERNAL_ID.fullmatch(value):
            raise ValueError(
                "must be 2 to 1224 characters of letters, digits and _+=,.@:/- (the external ID "
                "the role's trust policy asks for)"
            )
        return value

    @model_validator(mode="after")
    def _external_needs_role(self) -> _AssumedRole:
        if self.external_id is not None and self.role_arn is None:
            raise ValueError("externalId is only used with roleArn: add the role to assume")
        return self


class LambdaTarget(_AssumedRole):
    """A Lambda function whose alias takes the traffic: versions are published and the alias
    is moved (at once, or weighted step by step)."""

    type: Literal["lambda"]
    function: NonEmptyStr
    alias: str = DEFAULT_ALIAS

    @field_validator("function")
    @classmethod
    def _function(cls, value: str) -> str:
        if _FUNCTION_NAME.fullmatch(value):
            return value
        match = _FUNCTION_ARN.fullmatch(value)
        if match is None:
            raise ValueError(
                f"'{value}' is neither a function name (letters, digits, '-' and '_', at most "
                "64) nor a function ARN (arn:aws:lambda:eu-west-1:111122223333:function:carts)"
            )
        if match.group("qualifier"):
            raise ValueError(
                f"'{value}' names a version or alias; give the function's unqualified ARN and "
                "put the alias in 'alias'"
            )
        return value

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not _ALIAS.fullmatch(value):
            raise ValueError(
                f"'{value}' is not an alias name: letters, digits, '-' and '_', not only digits"
            )
        return value

    @property
    def function_name(self) -> str:
        """The function's name, whether it was given by name or by ARN."""
        return self.function.rsplit(":", 1)[-1]

    def describe(self) -> str:
        where = f" in {self.role_arn.split(':')[4]}" if self.role_arn else ""
        return f"Lambda function '{self.function_name}' (alias '{self.alias}'){where}"


class EksTarget(_AssumedRole):
    """An EKS cluster: the service's manifests applied in a namespace through the Kubernetes
    API."""

    type: Literal["eks"]
    cluster: NonEmptyStr
    namespace: str = DEFAULT_NAMESPACE
    manifests: list[Annotated[NonEmptyStr, AfterValidator(_resource_uri)]] = Field(min_length=1)
    region: Annotated[str | None, NotNull] = None
    rollout_timeout: str = Field(default=DEFAULT_ROLLOUT_TIMEOUT, alias="rolloutTimeout")

    @field_validator("cluster")
    @classmethod
    def _cluster(cls, value: str) -> str:
        if not (_CLUSTER_NAME.fullmatch(value) or _CLUSTER_ARN.fullmatch(value)):
            raise ValueError(
                f"'{value}' is neither a cluster name nor a cluster ARN "
                "(arn:aws:eks:eu-west-1:111122223333:cluster/shop)"
            )
        return value

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if not _NAMESPACE.fullmatch(value):
            raise ValueError(
                f"'{value}' is not a Kubernetes namespace (lowercase letters, digits and '-', "
                "at most 63)"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not _REGION.fullmatch(value):
            raise ValueError(f"'{value}' is not an AWS region (eu-west-1)")
        return value

    @field_validator("rollout_timeout")
    @classmethod
    def _timeout(cls, value: str) -> str:
        seconds = parse_go_duration(value)
        if seconds <= 0:
            raise ValueError(f"'{value}' must be longer than zero")
        if seconds > MAX_ROLLOUT_TIMEOUT_SECONDS:
            raise ValueError(
                f"'{value}' is longer than 14m: a step's waits end within its function's "
                "15-minute limit (Lambda's longest); give at most 14m"
            )
        return value

    @property
    def rollout_timeout_seconds(self) -> float:
        return parse_go_duration(self.rollout_timeout)

    @property
    def cluster_name(self) -> str:
        return self.cluster.rsplit("/", 1)[-1]

    def describe(self) -> str:
        return f"EKS cluster '{self.cluster_name}' (namespace '{self.namespace}')"


TargetSpec = Annotated[LambdaTarget | EksTarget, Field(discriminator="type")]
TARGET_TYPES = ("lambda", "eks")


class TargetFile(ConfigModel):
    """A `target.yaml`."""

    api_version: Literal["quartermaster.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["Target"]
    metadata: Metadata | None = None
    spec: TargetSpec
