"""Where an EKS cluster's API server is and which CA signs its certificate (eks:DescribeCluster).

`ClusterEndpoints` is the seam between AWS and the Kubernetes client: the EKS adapter reads
DescribeCluster; tests of the Kubernetes path give the address of a local API server instead.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.errors import DependencyFailure, Forbidden, NotFound


@dataclass(frozen=True)
class ClusterEndpoint:
    """A cluster's API server URL and the PEM of the CA its certificate is signed by."""

    cluster: str
    url: str
    ca_pem: str


class ClusterEndpoints(Protocol):
    def endpoint(self, cluster: str) -> ClusterEndpoint: ...


class EksClusterEndpoints:
    """ClusterEndpoints through eks:DescribeCluster with the given boto3 EKS client."""

    def __init__(self, eks: Any, region: str) -> None:
        self._eks = eks
        self._region = region

    def endpoint(self, cluster: str) -> ClusterEndpoint:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            described = self._eks.describe_cluster(name=cluster)["cluster"]
        except ClientError as exc:
            raise _describe_error(exc, cluster, self._region) from None
        except BotoCoreError as exc:
            raise DependencyFailure(
                f"EKS DescribeCluster for cluster '{cluster}' failed: {exc}"
            ) from None
        status = described.get("status", "ACTIVE")
        url = described.get("endpoint")
        ca = (described.get("certificateAuthority") or {}).get("data")
        if status != "ACTIVE" or not url or not ca:
            raise DependencyFailure(
                f"EKS cluster '{cluster}' in {self._region} is {status}: it has no API endpoint "
                "to deploy to yet; deploy again once it is ACTIVE"
            )
        try:
            pem = base64.b64decode(ca, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            raise DependencyFailure(
                f"EKS cluster '{cluster}': DescribeCluster returned a certificate authority that "
                "is not base64-encoded PEM"
            ) from None
        return ClusterEndpoint(cluster, url, pem)


def _describe_error(exc: Any, cluster: str, region: str) -> Exception:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    if code == "ResourceNotFoundException":
        return NotFound(
            f"EKS cluster '{cluster}' does not exist in region {region}: check the target's "
            "'cluster' (and its region, or roleArn for a cluster in another account)"
        )
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        return Forbidden(
            f"not allowed to describe EKS cluster '{cluster}' in {region} ({message}): the "
            "deployer needs eks:DescribeCluster on it"
        )
    return DependencyFailure(
        f"EKS DescribeCluster for cluster '{cluster}' failed: {code} {message}"
    )
