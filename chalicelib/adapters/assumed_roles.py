"""Sessions of a role in another account (a target's `roleArn`), assumed with STS and kept until
shortly before their credentials expire."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.errors import DependencyFailure, Forbidden

SESSION_NAME = "quartermaster-deployer"
# A session is used for one task step at most (seconds); one about to expire is renewed.
RENEW_BEFORE = timedelta(minutes=5)
_RETRYABLE = frozenset(
    {"Throttling", "ThrottlingException", "InternalFailure", "ServiceUnavailable"}
)


@dataclass(frozen=True)
class _Held:
    session: Any
    expires: datetime


class AssumedRoles:
    """boto3 Sessions acting as a role, one per (role, external id), assumed on first use."""

    def __init__(
        self,
        sts: Callable[[], Any],
        new_session: Callable[..., Any],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # `sts`: the deployment's own STS client (made on first use); `new_session`: builds a
        # boto3 Session from credentials (boto3.session.Session).
        self._sts = sts
        self._new_session = new_session
        self._clock = clock
        self._held: dict[tuple[str, str | None], _Held] = {}
        self._lock = threading.Lock()

    def session(self, role_arn: str, external_id: str | None) -> Any:
        key = (role_arn, external_id)
        with self._lock:
            held = self._held.get(key)
            if held is not None and held.expires - RENEW_BEFORE > self._clock():
                return held.session
        held = self._assume(role_arn, external_id)
        with self._lock:
            self._held[key] = held
        return held.session

    def _assume(self, role_arn: str, external_id: str | None) -> _Held:
        from botocore.exceptions import ClientError

        request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
        if external_id:
            request["ExternalId"] = external_id
        try:
            credentials = self._sts().assume_role(**request)["Credentials"]
        except ClientError as error:
            details = error.response.get("Error", {})
            code = str(details.get("Code", ""))
            message = f"role {role_arn} cannot be assumed: {details.get('Message') or code}"
            if code in _RETRYABLE:
                raise DependencyFailure(message) from error
            raise Forbidden(
                f"{message}. Its trust policy must allow Quartermaster's deployer role"
                + (" with this externalId" if external_id else "")
                + ", and the role must be in QM_TARGET_ROLES (the deployer's policy)"
            ) from error
        expires = credentials["Expiration"]
        if isinstance(expires, str):
            expires = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        session = self._new_session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        return _Held(session, expires if expires.tzinfo else expires.replace(tzinfo=UTC))
