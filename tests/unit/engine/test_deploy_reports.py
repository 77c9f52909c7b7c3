"""What the executor's `.finished` says: Keptn's deployment block, and a canary's outcome step
by step, with the failing step's score and SLIs."""

from __future__ import annotations

from chalicelib.domain.deployment_records import DeploymentRecord, StepRecord
from chalicelib.domain.deployments import Artifact, Endpoints, Routing
from chalicelib.domain.targets import LambdaTarget
from chalicelib.engine.deploy import reports
from chalicelib.engine.deploy.strategies import read_strategy

ENDPOINTS = Endpoints(
    names=["carts:live"],
    local=["arn:aws:lambda:eu-west-1:1:function:carts:live"],
    public=["https://abc.lambda-url.eu-west-1.on.aws/"],
    placeholders={"function": "carts", "alias": "live", "version": "7"},
)


def _record(**extra: object) -> DeploymentRecord:
    return DeploymentRecord.model_validate(
        {
            "id": "t-1",
            "task": "deployment",
            "project": "shop",
            "stage": "prod",
            "service": "carts",
            "keptn_context": "c-1",
            "gitcommitid": "000000000004",
            "target": LambdaTarget(type="lambda", function="carts"),
            "strategy": read_strategy({"deploymentstrategy": "canary", "steps": [10, 50, 100]}),
            "artifact": Artifact(s3="s3://b/carts.zip"),
            "previous": Routing(version="6"),
            "version": "7",
            **extra,
        }
    )


def test_the_deployment_block_has_keptns_fields_and_the_versions() -> None:
    assert reports.deployment_block(_record(), ENDPOINTS) == {
        "deployment": {
            "deploymentstrategy": "canary",
            "deploymentNames": ["carts:live"],
            "deploymentURIsLocal": ["arn:aws:lambda:eu-west-1:1:function:carts:live"],
            "deploymentURIsPublic": ["https://abc.lambda-url.eu-west-1.on.aws/"],
            "version": "7",
            "previousVersion": "6",
            "gitCommit": "000000000004",
            "artifact": "s3://b/carts.zip",
            "target": {
                "type": "lambda",
                "stage": "prod",
                "function": "carts",
                "alias": "live",
                "version": "7",
            },
        }
    }


def test_a_promoted_canary_passes_and_lists_its_steps() -> None:
    record = _record(
        steps=[
            StepRecord(index=1, weight=10, result="pass", score=100),
            StepRecord(index=2, weight=50, result="warning", score=80, failing=[]),
        ]
    )
    finish = reports.canary_finish(record, {"status": "succeeded", "promoted": True}, ENDPOINTS)
    assert (finish.result, finish.status) == ("pass", "succeeded")
    assert finish.message == (
        "canary of version 7 on Lambda function 'carts' (alias 'live') promoted: it takes all "
        "traffic (version 6 ran before). step 1 of 3 (10%): score 100, pass; step 2 of 3 "
        "(50%): score 80, warning"
    )


def test_a_failing_step_fails_the_task_with_its_score_and_slis() -> None:
    record = _record(
        steps=[
            StepRecord(index=1, weight=10, result="fail", score=33.3, failing=["error_rate", "p95"])
        ]
    )
    finish = reports.canary_finish(record, {"result": "fail", "status": "succeeded"}, ENDPOINTS)
    assert (finish.result, finish.status) == ("fail", "succeeded")
    assert finish.message.startswith(
        "canary of version 7 on Lambda function 'carts' (alias 'live') stopped at step 1 "
        "(10%): score 33.3, failing SLIs: error_rate, p95; all traffic went back to version 6"
    )


def test_no_slo_file_says_the_steps_passed_on_bake_time_alone() -> None:
    step = StepRecord(
        index=1,
        weight=10,
        result="pass",
        score=0,
        message="no evaluation performed by lighthouse because no SLO file configured for "
        "project shop",
    )
    assert reports.describe_step(step, 3).startswith(
        "step 1 of 3 (10%): passed on its bake time alone (no evaluation performed"
    )


def test_an_evaluation_that_timed_out_or_an_error_ends_errored() -> None:
    timed_out = {"result": "fail", "status": "errored", "step": 2, "timedOutSeconds": 900}
    finish = reports.canary_finish(_record(), timed_out, ENDPOINTS)
    assert (finish.result, finish.status) == ("fail", "errored")
    assert "at step 2: no evaluation.finished within 900 s" in finish.message
    error = {"Error": "States.Runtime", "Cause": "boom"}
    assert (
        "by an error (States.Runtime: boom)"
        in reports.canary_finish(_record(), error, ENDPOINTS).message
    )
