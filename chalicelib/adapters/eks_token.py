"""EKS bearer tokens, made as `aws eks get-token` makes them.

A token is a presigned STS `GetCallerIdentity` URL whose signature covers the header
`x-k8s-aws-id: <cluster name>`, valid 60 seconds by its query, encoded as
`k8s-aws-v1.` + base64url without padding. The cluster's authenticator calls STS with it to
learn who is calling (and accepts it for up to 15 minutes after signing). Presigning is local:
no request is made here.
"""

from __future__ import annotations

import base64
from typing import Any

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_HEADER = "x-k8s-aws-id"
URL_EXPIRY_SECONDS = 60


def sts_endpoint(region: str) -> str:
    """STS's regional endpoint: what EKS's authenticator accepts (never an emulator's)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://sts.{region}.{suffix}"


def eks_token(session: Any, cluster: str, region: str) -> str:
    """A bearer token for `cluster` signed with `session`'s credentials (a boto3 Session)."""
    sts = session.client("sts", region_name=region, endpoint_url=sts_endpoint(region))

    def sign_cluster_header(request: Any, **_: Any) -> None:
        request.headers[CLUSTER_HEADER] = cluster

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", sign_cluster_header)
    url: str = sts.generate_presigned_url(
        "get_caller_identity", Params={}, ExpiresIn=URL_EXPIRY_SECONDS, HttpMethod="GET"
    )
    encoded = base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")
    return TOKEN_PREFIX + encoded
