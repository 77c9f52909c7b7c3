"""DeploymentTarget on AWS Lambda: versions published from a zip in S3 or an image, traffic moved
by the alias (its version, and weighted routing to a second version).

A version is published with the description `quartermaster <ref>`, so a retried `deploy` or
`stage` finds the version its first attempt published instead of publishing another. Nothing
changes the traffic but the alias: a failure before the alias update leaves the running version
as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from chalicelib.adapters.lambda_errors import translated
from chalicelib.domain.deployments import Artifact, Endpoints, Routing
from chalicelib.domain.targets import LambdaTarget
from chalicelib.errors import (
    DependencyFailure,
    Forbidden,
    InvalidInput,
    NotFound,
    TargetFailed,
)

DESCRIPTION_PREFIX = "quartermaster "
UPDATE_WAIT_SECONDS = 120.0


def _weight(percent: float) -> float:
    """Lambda's weight (0..1) for a percentage, without float noise (30% is 0.3)."""
    return round(percent / 100, 6)


class LambdaAliasTarget:
    """One function and alias of a target.yaml; `clients` makes a client of a service ("lambda",
    "s3"), in the target's account when it names a role, on first use."""

    def __init__(
        self,
        spec: LambdaTarget,
        clients: Callable[[str], Any],
        sleep: Callable[[float], None] = time.sleep,
        update_wait_seconds: float = UPDATE_WAIT_SECONDS,
    ) -> None:
        self._spec = spec
        self._clients = clients
        self._sleep = sleep
        self._update_wait = update_wait_seconds
        self._routing: Routing | None = None  # what was read or set last

    @cached_property
    def _client(self) -> Any:
        return self._clients("lambda")

    def describe(self) -> str:
        return self._spec.describe()

    # -- what runs ---------------------------------------------------------------------

    def current(self) -> Routing:
        alias = self._alias()
        self._routing = Routing() if alias is None else _routing(alias)
        return self._routing

    def endpoints(self, version: str | None) -> Endpoints:
        qualifier = version or self._spec.alias
        arn = self._function_arn
        # What this adapter set or read last is what runs: no second read.
        running = version or (self._routing or self.current()).version or ""
        return Endpoints(
            names=[f"{self._spec.function_name}:{qualifier}"],
            local=[f"{arn}:{qualifier}"],
            public=[] if version else self._alias_url(),
            placeholders={
                "function": self._spec.function_name,
                "alias": self._spec.alias,
                "version": running,
            },
        )

    # -- changes -----------------------------------------------------------------------

    def deploy(self, artifact: Artifact, ref: str) -> Routing:
        version = self._publish(artifact, ref)
        return self._route(version, None, 0.0)

    def stage(self, artifact: Artifact, ref: str) -> Routing:
        version = self._publish(artifact, ref)
        running = self.current()
        if running.version is None or running.version == version:
            return self._route(version, None, 0.0)
        return self._route(running.version, version, 0.0)

    def shift(self, version: str, weight: float) -> Routing:
        running = self.current()
        if running.version is None or running.version == version:
            raise TargetFailed(
                f"{self.describe()}: version {version} cannot get {weight:g}% of the traffic: "
                f"{running.describe()}"
            )
        return self._route(running.version, version, weight)

    def promote(self, version: str) -> Routing:
        return self._route(version, None, 0.0)

    def rollback(self, to: Routing) -> Routing:
        if to.version is None:
            return self.current()  # nothing ran before: there is nothing to go back to
        return self._route(to.version, to.candidate, to.weight)

    # -- Lambda calls ------------------------------------------------------------------

    def _publish(self, artifact: Artifact, ref: str) -> str:
        if artifact.version is not None:
            try:
                self._call("get_function_configuration", Qualifier=artifact.version)
            except NotFound:
                self._configuration  # noqa: B018 - NotFound here: the function itself is missing
                raise NotFound(
                    f"{self.describe()} has no version {artifact.version}; give a published "
                    "version in configurationChange.values.version, or an artifact"
                ) from None
            return artifact.version
        description = f"{DESCRIPTION_PREFIX}{ref}"[:256]
        published = self._version_described(description)
        if published is not None:
            return published
        code = self._code(artifact)
        updated = self._call("update_function_code", **code)
        revision = self._wait_updated(updated)
        response = self._call(
            "publish_version",
            Description=description,
            **({"RevisionId": revision} if revision else {}),
        )
        return str(response["Version"])

    def _code(self, artifact: Artifact) -> dict[str, Any]:
        package = self._configuration.get("PackageType", "Zip")
        name = self._spec.function_name
        if package == "Image":
            if artifact.image is None:
                raise InvalidInput(
                    f"{self.describe()} is an image function: configurationChange.values.image "
                    "(an ECR image URI) is missing"
                    + (" (artifact is for .zip functions)" if artifact.s3 else "")
                )
            return {"ImageUri": artifact.image}
        location = artifact.s3_location
        if location is None:
            raise InvalidInput(
                f"{self.describe()} is a .zip function: configurationChange.values.artifact "
                "(s3://bucket/key.zip) is missing"
                + (
                    f" (image is for image functions; '{name}' runs a .zip)"
                    if artifact.image
                    else ""
                )
                + "; or give configurationChange.values.version to deploy a published version"
            )
        bucket, key, object_version = location
        self._check_object(str(artifact.s3), bucket, key, object_version)
        code = {"S3Bucket": bucket, "S3Key": key}
        if object_version:
            code["S3ObjectVersion"] = object_version
        return code

    def _check_object(self, uri: str, bucket: str, key: str, version: str | None) -> None:
        """Refuse an artifact that is not there before the function is touched (Lambda would
        say so only in the middle of the update)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._clients("s3").head_object(
                Bucket=bucket, Key=key, **({"VersionId": version} if version else {})
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
                raise InvalidInput(
                    f"{self.describe()}: the artifact {uri} does not exist "
                    "(configurationChange.values.artifact)"
                ) from error
            if code in ("403", "AccessDenied"):
                raise Forbidden(
                    f"{self.describe()}: the artifact {uri} may not be read; add bucket "
                    f"'{bucket}' to QM_TARGET_BUCKETS (the deployer's policy)"
                ) from error
            raise DependencyFailure(f"{self.describe()}: reading {uri}: {code}") from error
        except BotoCoreError as error:
            raise DependencyFailure(f"{self.describe()}: reading {uri}: {error}") from error

    def _version_described(self, description: str) -> str | None:
        """The version an earlier attempt of this deployment published, if any (newest last)."""
        found: str | None = None
        marker: str | None = None
        while True:
            page = self._call("list_versions_by_function", **({"Marker": marker} if marker else {}))
            for entry in page.get("Versions", []):
                if entry.get("Description") == description and entry.get("Version") != "$LATEST":
                    found = str(entry["Version"])
            marker = page.get("NextMarker")
            if not marker:
                return found

    def _wait_updated(self, configuration: dict[str, Any]) -> str | None:
        """Wait for the code update to be applied (publishing before fails); its RevisionId."""
        deadline = time.monotonic() + self._update_wait
        delay = 0.25
        while configuration.get("LastUpdateStatus", "Successful") == "InProgress":
            if time.monotonic() > deadline:
                raise DependencyFailure(
                    f"{self.describe()}: the code update did not finish within "
                    f"{self._update_wait:g} s"
                )
            self._sleep(delay)
            delay = min(delay * 2, 5.0)
            configuration = self._call("get_function_configuration")
        if configuration.get("LastUpdateStatus") == "Failed":
            raise TargetFailed(
                f"{self.describe()}: the code update failed: "
                f"{configuration.get('LastUpdateStatusReason') or 'no reason given'}"
            )
        revision = configuration.get("RevisionId")
        return str(revision) if revision else None

    def _route(self, version: str, candidate: str | None, weight: float) -> Routing:
        weights = {candidate: _weight(weight)} if candidate is not None else {}
        alias = {
            "Name": self._spec.alias,
            "FunctionVersion": version,
            "RoutingConfig": {"AdditionalVersionWeights": weights},
        }
        try:
            self._call("update_alias", **alias)
        except NotFound:
            self._call("create_alias", **alias)  # the first deployment: the alias is new
        self._routing = Routing(
            version=version, candidate=candidate, weight=weight if candidate else 0.0
        )
        return self._routing

    def _alias(self) -> dict[str, Any] | None:
        try:
            alias: dict[str, Any] = self._call("get_alias", Name=self._spec.alias)
        except NotFound:
            self._configuration  # noqa: B018 - NotFound here: the function itself is missing
            return None
        return alias

    def _alias_url(self) -> list[str]:
        try:
            url = self._call("get_function_url_config", Qualifier=self._spec.alias)
        except NotFound:
            return []
        return [str(url["FunctionUrl"])]

    @cached_property
    def _configuration(self) -> dict[str, Any]:
        configuration: dict[str, Any] = self._call("get_function_configuration")
        return configuration

    @property
    def _function_arn(self) -> str:
        return str(self._configuration["FunctionArn"]).split(":function:")[0] + (
            f":function:{self._spec.function_name}"
        )

    def _call(self, operation: str, **arguments: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(FunctionName=self._spec.function, **arguments)
        except ClientError as error:
            raise translated(self.describe(), operation, error) from error
        except BotoCoreError as error:  # connection failures, timeouts
            raise DependencyFailure(f"{self.describe()}: {operation}: {error}") from error


def _routing(alias: dict[str, Any]) -> Routing:
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    version = str(alias["FunctionVersion"])
    if not weights:
        return Routing(version=version)
    candidate, weight = next(iter(weights.items()))
    return Routing(version=version, candidate=str(candidate), weight=round(float(weight) * 100, 4))
