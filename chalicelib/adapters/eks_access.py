"""A Kubernetes API client for an EKS cluster: the role assumed first (if the target names one),
the endpoint and CA from DescribeCluster, and a bearer token as `aws eks get-token` makes it.

Nothing is imported or created until a client is asked for: only the EKS path pays for the
`kubernetes` package (about 0.4 s of imports), and a process reuses its clients.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.eks_clusters import ClusterEndpoints, EksClusterEndpoints
from chalicelib.adapters.eks_token import eks_token
from chalicelib.errors import DependencyFailure, Forbidden, InvalidInput

if TYPE_CHECKING:
    from kubernetes.client import ApiClient, Configuration

# EKS accepts a token for 15 minutes after it was signed; a fresh one is made well before.
TOKEN_REFRESH_SECONDS = 10 * 60
# Assumed-role credentials last an hour by default; clients are rebuilt before they expire.
CLIENT_LIFETIME_SECONDS = 50 * 60
ROLE_SESSION_NAME = "quartermaster-eks"


@dataclass(frozen=True)
class ClusterRef:
    """A cluster as a target names it."""

    cluster: str
    region: str
    role_arn: str | None = None
    external_id: str | None = None


EndpointsFactory = Callable[[Any, str], ClusterEndpoints]
"""(boto3 Session, region) -> where the clusters' API servers are."""


def describe_cluster_endpoints(session: Any, region: str) -> ClusterEndpoints:
    return EksClusterEndpoints(session.client("eks", region_name=region), region)


class EksAccess:
    """Kubernetes API clients for EKS clusters, one per cluster reference, reused."""

    def __init__(
        self,
        session: Any | None = None,
        endpoints: EndpointsFactory = describe_cluster_endpoints,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_session = session
        self._endpoints = endpoints
        self._clock = clock
        self._clients: dict[ClusterRef, tuple[float, ApiClient]] = {}

    def api_client(self, ref: ClusterRef) -> ApiClient:
        cached = self._clients.get(ref)
        if cached is not None and self._clock() - cached[0] < CLIENT_LIFETIME_SECONDS:
            return cached[1]
        client = self._new_client(ref)
        self._clients[ref] = (self._clock(), client)
        return client

    def session_for(self, ref: ClusterRef) -> Any:
        """The boto3 Session that acts on the cluster: the target's role, or our own."""
        base = self._session()
        if ref.role_arn is None:
            return base
        from boto3.session import Session
        from botocore.exceptions import BotoCoreError, ClientError

        arguments = {
            "RoleArn": ref.role_arn,
            "RoleSessionName": ROLE_SESSION_NAME,
            **({"ExternalId": ref.external_id} if ref.external_id else {}),
        }
        try:
            credentials = base.client("sts", region_name=ref.region).assume_role(**arguments)
        except ClientError as exc:
            raise _assume_error(exc, ref) from None
        except BotoCoreError as exc:
            raise DependencyFailure(f"assuming role {ref.role_arn} failed: {exc}") from None
        granted = credentials["Credentials"]
        return Session(
            aws_access_key_id=granted["AccessKeyId"],
            aws_secret_access_key=granted["SecretAccessKey"],
            aws_session_token=granted["SessionToken"],
            region_name=ref.region,
        )

    def _session(self) -> Any:
        if self._base_session is None:
            import boto3  # deferred: only the EKS path creates sessions here

            self._base_session = boto3.session.Session()
        return self._base_session

    def _new_client(self, ref: ClusterRef) -> ApiClient:
        from kubernetes.client import ApiClient, Configuration

        session = self.session_for(ref)
        endpoint = self._endpoints(session, ref.region).endpoint(ref.cluster)
        configuration = Configuration(host=endpoint.url, ca_cert_data=endpoint.ca_pem)
        signed_at = [0.0]

        def refresh(config: Configuration) -> None:
            now = self._clock()
            if "BearerToken" not in config.api_key or now - signed_at[0] > TOKEN_REFRESH_SECONDS:
                config.api_key["BearerToken"] = eks_token(session, ref.cluster, ref.region)
                signed_at[0] = now

        configuration.api_key_prefix["BearerToken"] = "Bearer"
        # The client sends a token only if one is set before its hook runs: sign the first now.
        refresh(configuration)
        # The generated Configuration types the hook as None; it calls any callable set here.
        configuration.refresh_api_key_hook = refresh  # type: ignore[assignment]
        return ApiClient(configuration)


def _assume_error(exc: Any, ref: ClusterRef) -> Exception:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    with_id = " with the external ID given" if ref.external_id else ""
    if code in ("AccessDenied", "AccessDeniedException"):
        return Forbidden(
            f"cannot assume role {ref.role_arn}{with_id} to reach EKS cluster '{ref.cluster}' "
            f"({message}): the role's trust policy must allow the deployer (and ask for the "
            "target's externalId, if any), and the deployer's policy must allow sts:AssumeRole "
            "on the role"
        )
    if code in ("ValidationError", "MalformedPolicyDocument", "InvalidParameterValue"):
        return InvalidInput(f"roleArn '{ref.role_arn}' cannot be assumed: {message}")
    return DependencyFailure(f"assuming role {ref.role_arn} failed: {code} {message}")
