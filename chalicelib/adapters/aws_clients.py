"""boto3 clients created on first use, never at import time, and reused for the process."""

from __future__ import annotations

from functools import cached_property
from typing import Any


class AwsClients:
    """One lazily created client per service. Endpoints and region come from boto3's own
    configuration (AWS_REGION, AWS_ENDPOINT_URL, ...), so nothing here knows where it runs."""

    def __init__(self, session: Any | None = None) -> None:
        # An injected boto3 Session lets callers observe or stub every call (the benchmarks
        # count AWS calls per task through botocore's events on it).
        if session is not None:
            self.__dict__["_session"] = session

    @cached_property
    def _session(self) -> Any:
        import boto3  # deferred: importing boto3 is the largest part of a cold start

        return boto3.session.Session()

    @property
    def session(self) -> Any:
        """The boto3 Session the clients come from (for clients of other services)."""
        return self._session

    @cached_property
    def dynamodb(self) -> Any:
        return self._session.client("dynamodb")

    @cached_property
    def events(self) -> Any:
        return self._session.client("events")

    @cached_property
    def stepfunctions(self) -> Any:
        return self._session.client("stepfunctions")

    @cached_property
    def sqs(self) -> Any:
        return self._session.client("sqs")

    @cached_property
    def secretsmanager(self) -> Any:
        return self._session.client("secretsmanager")

    @cached_property
    def sts(self) -> Any:
        return self._session.client("sts")

    @cached_property
    def cloudwatch(self) -> Any:
        return self._session.client("cloudwatch")
