"""What the deployment executor refuses, and what runs where.

Every bad input ends the task `errored` (or `fail`) with a message naming the cause, and the
alias stays on the version that ran. A service with no target keeps going to the user's tools,
and what runs where is kept for those too, from their `.finished` events.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.adapters.assumed_roles import AssumedRoles
from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.bootstrap import TargetAdapters, container
from chalicelib.domain.projects import ResourceScope
from tests.integration.api_helpers import b64
from tests.integration.deploy_harness import DeployFlow, deploy_flow, target_yaml

ROLE = "arn:aws:iam::111122223333:role/qm-deployer"


def _refused(flow: DeployFlow, context: str) -> dict[str, Any]:
    finished: dict[str, Any] = flow.finished(context)["data"]
    assert flow.of_type(context, "deployment.started"), "a refusal starts the task first"
    assert (finished["result"], finished["status"]) == ("fail", "errored"), finished
    assert flow.functions.routing() == ("1", None, 0.0)  # the alias stays where it was
    delivery = flow.flow.wait_finished(context, "dev", "delivery")
    assert delivery["data"]["result"] == "fail"
    return finished


@pytest.mark.parametrize(
    ("target", "values", "cause"),
    [
        (target_yaml("no-such-function"), {"artifact": "ok"}, "Create the function first"),
        (target_yaml(), {}, "configurationChange.values names nothing to deploy"),
        (target_yaml(), {"artifact": "s3://shop-artifacts/carts/gone.zip"}, "does not exist"),
        (target_yaml(), {"artifact": "ftp://x/y.zip"}, "is not an S3 URI"),
        (target_yaml(), {"image": "carts:1.2"}, "is a .zip function"),
        (target_yaml(), {"version": "7"}, "has no version 7"),
        (
            target_yaml(roleArn="arn:aws:iam::999999999999:role/elsewhere"),
            {"artifact": "ok"},
            "is not among the roles this deployment may assume",
        ),
    ],
    ids=[
        "missing-function",
        "missing-artifact",
        "artifact-not-in-s3",
        "not-an-s3-uri",
        "image-for-a-zip-function",
        "unknown-version",
        "role-not-allowed",
    ],
)
def test_bad_input_ends_errored_with_the_cause(
    aws: None, target: str, values: dict[str, str], cause: str
) -> None:
    with deploy_flow("direct") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target)
        if values.get("artifact") == "ok":
            values = {"artifact": flow.functions.artifact("1.1.0")}
        context = flow.deliver(**values)
        assert cause in _refused(flow, context)["message"]


def test_a_strategy_that_is_not_known_is_refused(aws: None) -> None:
    with deploy_flow("Canary10Percent") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        message = _refused(flow, context)["message"]
        assert "deployment.deploymentstrategy 'Canary10Percent' is unknown" in message


def test_a_function_outside_the_allowed_list_is_refused(aws: None) -> None:
    with deploy_flow("direct", settings={"target_functions": ("carts", "shop-*")}) as flow:
        flow.functions.create("other")
        flow.functions.create()
        flow.upload("target.yaml", target_yaml("other"))
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        message = _refused(flow, context)["message"]
        assert "function 'other' is not among the functions this deployment may deploy" in message
        assert "QM_TARGET_FUNCTIONS" in message


def test_an_eks_target_whose_manifests_are_missing_is_refused_naming_them(aws: None) -> None:
    eks = (
        "apiVersion: quartermaster.dev/v1\nkind: Target\nspec:\n  type: eks\n  cluster: shop\n"
        "  manifests: [manifests/deployment.yaml]\n"
    )
    with deploy_flow("direct", settings={"target_clusters": ("shop",)}) as flow:
        flow.functions.create()
        flow.upload("target.yaml", eks)
        context = flow.deliver(image="carts:1.2")
        finished = flow.finished(context)["data"]
        assert (finished["result"], finished["status"]) == ("fail", "errored")
        assert (
            "manifest 'manifests/deployment.yaml' named by target.yaml is not in project"
            in (finished["message"])
        )


def test_an_unknown_target_type_stored_before_validation_is_refused_with_its_line(
    aws: None,
) -> None:
    with deploy_flow("direct") as flow:
        flow.functions.create()
        # Written around the upload's validation, as a file from an older version would be.
        container().config.put_resources(
            ResourceScope(project="shop"),
            [("target.yaml", target_yaml().replace("type: lambda", "type: cloudrun").encode())],
            "test",
            "an old target",
        )
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        message = _refused(flow, context)["message"]
        assert "spec.type 'cloudrun' (line 4): must be lambda or eks" in message


def test_an_upload_of_a_bad_target_is_refused_with_line_numbers(aws: None) -> None:
    with deploy_flow("direct") as flow:
        body = {
            "resources": [
                {
                    "resourceURI": "target.yaml",
                    "resourceContent": b64(target_yaml("arn:aws:lambda:x")),
                }
            ]
        }
        status, answer = flow.api.call("POST", "/v1/project/shop/stage/dev/resource", body)
        assert status == 400
        assert "spec.function 'arn:aws:lambda:x' (line 5)" in answer["message"]


def test_a_role_that_cannot_be_assumed_ends_errored_naming_it(aws: None) -> None:
    class RefusingSts:
        def assume_role(self, **request: Any) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized to assume"}},
                "AssumeRole",
            )

    with deploy_flow("direct") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml(roleArn=ROLE, externalId="shop-deployer"))
        built = container()
        built.targets = TargetAdapters(
            AwsClients(), AssumedRoles(lambda: RefusingSts(), boto3.session.Session)
        )
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        message = _refused(flow, context)["message"]
        assert f"role {ROLE} cannot be assumed: not authorized to assume" in message


def test_the_most_specific_target_wins(aws: None) -> None:
    with deploy_flow("direct") as flow:
        flow.functions.create()
        flow.functions.create("orders")
        flow.upload("target.yaml", target_yaml("orders"), where="/v1/project/shop/stage/dev")
        flow.upload("target.yaml", target_yaml("carts"))  # the service's own
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        assert flow.finished(context)["data"]["result"] == "pass"
        assert flow.functions.routing("carts") == ("2", None, 0.0)
        assert flow.functions.routing("orders") == ("1", None, 0.0)


def test_a_service_without_a_target_keeps_going_to_the_users_tools(aws: None) -> None:
    with deploy_flow("direct") as flow:
        flow.functions.create()
        context = flow.deliver(image="carts:1.2.0")
        triggered = flow.flow.wait_task(context, "deployment")
        flow.flow.settle(0.5)
        assert flow.of_type(context, "deployment.started") == []  # nobody took it
        flow.flow.answer(triggered, data={"deployment": {"deploymentNames": ["carts"]}})
        release = flow.flow.wait_task(context, "release")
        flow.flow.answer(release)
        flow.flow.wait_finished(context, "dev", "delivery")
        assert flow.functions.routing() == ("1", None, 0.0)


def test_what_runs_where_is_kept_for_deployments_by_the_users_tools(aws: None) -> None:
    with deploy_flow("direct") as flow:
        contexts = []
        for image in ("carts:1.2.0", "carts:1.3.0"):
            context = flow.deliver(image=image)
            contexts.append(context)
            flow.flow.answer(flow.flow.wait_task(context, "deployment"))
            flow.flow.answer(flow.flow.wait_task(context, "release"))
            flow.flow.wait_finished(context, "dev", "delivery")
        status, service = flow.api.call("GET", "/v1/project/shop/stage/dev/service/cart")
        assert status == 200
        assert service["deployedImage"] == "carts:1.3.0"
        assert service["deployment"]["keptnContext"] == contexts[1]
        assert service["deployment"]["source"] == "test-tool"
        assert service["previousDeployment"]["image"] == "carts:1.2.0"
        seen = service["lastEventTypes"]["sh.keptn.event.release.finished"]
        assert seen["keptnContext"] == contexts[1]
        # Keptn's alias path, and the project's stage listing, say the same.
        status, aliased = flow.api.call(
            "GET", "/api/controlPlane/v1/project/shop/stage/dev/service/cart"
        )
        assert (status, aliased["deployedImage"]) == (200, "carts:1.3.0")
        status, stages = flow.api.call("GET", "/v1/project/shop/stage")
        assert stages["stages"][0]["services"][0]["deployment"]["version"] == "carts:1.3.0"
