"""A Kubernetes API client for an EKS cluster: a session of the target's role (if it names one),
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

if TYPE_CHECKING:
    from kubernetes.client import ApiClient, Configuration

# EKS accepts a token for 15 minutes after it was signed; a fresh one is made well before.
TOKEN_REFRESH_SECONDS = 10 * 60


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


SessionFor = Callable[[str | None, str | None], Any]
"""(roleArn, externalId) -> a boto3 Session acting as that role (None: the deployment's own)."""


class EksAccess:
    """Kubernetes API clients for EKS clusters, one per cluster reference, reused.

    `session_for` gives the boto3 Session that acts on a cluster (the target's role, assumed
    and renewed by the deployment's AssumedRoles); `endpoints` where its API server is."""

    def __init__(
        self,
        session_for: SessionFor,
        endpoints: EndpointsFactory = describe_cluster_endpoints,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_for = session_for
        self._endpoints = endpoints
        self._clock = clock
        self._clients: dict[ClusterRef, ApiClient] = {}

    def api_client(self, ref: ClusterRef) -> ApiClient:
        client = self._clients.get(ref)
        if client is None:
            client = self._clients[ref] = self._new_client(ref)
        return client

    def _new_client(self, ref: ClusterRef) -> ApiClient:
        from kubernetes.client import ApiClient, Configuration

        session = self._session_for(ref.role_arn, ref.external_id)
        endpoint = self._endpoints(session, ref.region).endpoint(ref.cluster)
        configuration = Configuration(host=endpoint.url, ca_cert_data=endpoint.ca_pem)
        signed_at = [0.0]

        def refresh(config: Configuration) -> None:
            now = self._clock()
            if "BearerToken" not in config.api_key or now - signed_at[0] > TOKEN_REFRESH_SECONDS:
                # The session is asked for again: an assumed role's is renewed before it expires.
                signing = self._session_for(ref.role_arn, ref.external_id)
                config.api_key["BearerToken"] = eks_token(signing, ref.cluster, ref.region)
                signed_at[0] = now

        configuration.api_key_prefix["BearerToken"] = "Bearer"
        # The client sends a token only if one is set before its hook runs: sign the first now.
        refresh(configuration)
        # The generated Configuration types the hook as None; it calls any callable set here.
        configuration.refresh_api_key_hook = refresh  # type: ignore[assignment]
        return ApiClient(configuration)
