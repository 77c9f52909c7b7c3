"""Reaching a cluster: the token as `aws eks get-token` makes it, DescribeCluster on moto, an
assumed role, and each way access fails, with the message a user reads."""

from __future__ import annotations

import base64
import json
import os
import socket
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto.core import set_initial_no_auth_action_count
from moto.core.models import DEFAULT_ACCOUNT_ID as ACCOUNT
from moto.eks.models import eks_backends

from chalicelib.adapters.eks_access import ClusterRef, EksAccess, describe_cluster_endpoints
from chalicelib.adapters.eks_clusters import ClusterEndpoint
from chalicelib.adapters.eks_token import eks_token
from chalicelib.adapters.kubernetes_api import KubernetesApi
from chalicelib.errors import DependencyFailure, Forbidden, NotFound
from tests.integration.eks.conftest import (
    CLUSTER,
    NAMESPACE,
    REGION,
    StandInEndpoints,
    deployer_key,
    sessions,
)
from tests.kube.server import KubeStandIn
from tests.kube.tokens import TokenRefused, verify

ROLE = "arn:aws:iam::111122223333:role/qm-deployer"


def presigned_url(token: str) -> str:
    encoded = token.removeprefix("k8s-aws-v1.")
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def test_the_token_is_shaped_as_aws_eks_get_token_makes_it(kube: KubeStandIn) -> None:
    token = eks_token(boto3.session.Session(), "prod", "eu-west-1")
    assert token.startswith("k8s-aws-v1.")
    assert "=" not in token
    url = urlsplit(presigned_url(token))
    assert (url.scheme, url.netloc, url.path) == ("https", "sts.eu-west-1.amazonaws.com", "/")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["Action"] == "GetCallerIdentity"
    assert query["Version"] == "2011-06-15"
    assert query["X-Amz-Expires"] == "60"
    assert query["X-Amz-SignedHeaders"] == "host;x-k8s-aws-id"
    assert query["X-Amz-Credential"].startswith(f"{deployer_key()}/")
    assert query["X-Amz-Credential"].endswith("/eu-west-1/sts/aws4_request")
    # the signature covers the cluster's name: it verifies for prod, not for another cluster
    secrets = {deployer_key(): os.environ["AWS_SECRET_ACCESS_KEY"]}.get
    assert verify(token, "prod", secrets).access_key == deployer_key()
    with pytest.raises(TokenRefused, match="signature does not match"):
        verify(token, "staging", secrets)


def test_a_cluster_that_refuses_the_token_says_how_to_grant_access(
    kube: KubeStandIn,
) -> None:
    elsewhere = EksAccess(
        sessions(),
        endpoints=lambda _, __: StandInEndpoints(kube, any_cluster=True),
    )
    api = KubernetesApi(elsewhere.api_client(ClusterRef("staging", REGION)), "staging")
    with pytest.raises(Forbidden, match="EKS cluster 'staging' refused the deployer's token") as e:
        api.get("Deployment", NAMESPACE, "carts")
    assert "access entry or aws-auth mapping" in str(e.value)
    assert kube.refusals == ["the signature does not match (for cluster 'prod')"]


def test_an_assumed_role_signs_every_call(kube: KubeStandIn) -> None:
    access = EksAccess(sessions(), endpoints=lambda _, __: StandInEndpoints(kube))
    ref = ClusterRef(CLUSTER, REGION, role_arn=ROLE, external_id="shop-42")
    api = KubernetesApi(access.api_client(ref), CLUSTER)
    assert api.get("Deployment", NAMESPACE, "carts") is None
    callers = {caller for _, _, caller in kube.requests}
    assert len(callers) == 1
    (caller,) = callers
    assert caller != deployer_key()
    assert caller.startswith("ASIA")  # temporary credentials from sts:AssumeRole
    # the client is reused: no second role assumption for the next call
    assert access.api_client(ref) is access.api_client(ref)


def test_a_role_that_cannot_be_assumed_is_named_with_the_fix(aws: None) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="deployer")
    iam.put_user_policy(
        UserName="deployer",
        PolicyName="eks-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": "*"}
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    session = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
    )
    access = EksAccess(sessions(session))

    @set_initial_no_auth_action_count(0)  # moto checks IAM policies from here on
    def reach() -> None:
        access.api_client(ClusterRef(CLUSTER, REGION, role_arn=ROLE, external_id="shop-42"))

    with pytest.raises(Forbidden) as caught:
        reach()
    message = str(caught.value)
    assert message.startswith(f"role {ROLE} cannot be assumed: User: ")
    assert "is not authorized to perform: sts:AssumeRole" in message
    assert "trust policy must allow Quartermaster's deployer role with this externalId" in message


def create_cluster() -> None:
    boto3.client("eks").create_cluster(
        name=CLUSTER,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": []},
    )


def test_describe_cluster_on_moto_pointed_at_the_stand_in(kube: KubeStandIn) -> None:
    """The whole path: DescribeCluster (moto) -> endpoint and CA -> token -> the stand-in.

    moto makes up a cluster's endpoint and CA and takes neither as input, so the test writes
    the stand-in's into moto's record of the cluster."""
    create_cluster()
    record = eks_backends[ACCOUNT][REGION].clusters[CLUSTER]
    record.endpoint = kube.url
    record.certificate_authority = {"data": base64.b64encode(kube.ca_pem.encode()).decode()}
    access = EksAccess(sessions())  # endpoints from DescribeCluster
    api = KubernetesApi(access.api_client(ClusterRef(CLUSTER, REGION)), CLUSTER)
    assert api.list("Deployment", NAMESPACE) == []
    assert kube.requests[-1][2] == deployer_key()


def test_a_ca_that_is_not_pem_is_reported(aws: None) -> None:
    create_cluster()  # moto's CA is random text, not base64 PEM
    endpoints = describe_cluster_endpoints(boto3.session.Session(), REGION)
    with pytest.raises(DependencyFailure, match="not base64-encoded PEM"):
        endpoints.endpoint(CLUSTER)


def test_a_cluster_that_does_not_exist_is_named(aws: None) -> None:
    endpoints = describe_cluster_endpoints(boto3.session.Session(), REGION)
    with pytest.raises(NotFound) as caught:
        endpoints.endpoint("nowhere")
    assert str(caught.value) == (
        "EKS cluster 'nowhere' does not exist in region us-east-1: check the target's 'cluster' "
        "(and its region, or roleArn for a cluster in another account)"
    )
    with pytest.raises(NotFound, match="EKS cluster 'nowhere' does not exist"):
        EksAccess(sessions()).api_client(ClusterRef("nowhere", REGION))


class _Closed:
    """ClusterEndpoints naming an address where nothing listens."""

    def __init__(self, kube: KubeStandIn) -> None:
        self.ca_pem = kube.ca_pem

    def endpoint(self, cluster: str) -> ClusterEndpoint:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return ClusterEndpoint(cluster, f"https://127.0.0.1:{port}", self.ca_pem)


def test_an_api_server_that_cannot_be_reached_is_worth_a_retry(kube: KubeStandIn) -> None:
    access = EksAccess(sessions(), endpoints=lambda _, __: _Closed(kube))
    api = KubernetesApi(access.api_client(ClusterRef(CLUSTER, REGION)), CLUSTER)
    with pytest.raises(DependencyFailure) as caught:
        api.get("Deployment", NAMESPACE, "carts")
    assert caught.value.retryable
    assert str(caught.value).startswith(
        "read Deployment shop/carts on EKS cluster 'prod' failed: MaxRetryError"
    )
