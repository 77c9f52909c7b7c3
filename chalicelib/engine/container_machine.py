"""The state machine that runs one container task (chalicelib/engine/container_tasks.py says
why it polls). Its input (`{"run": ...}`, built by `run_input`) carries everything: the task
definition, the network, the environment, the limits, and the `.finished` event to complete.

    Start -> Run -> Wait -> Describe -> Stopped? -- no, time left --> Count -> Wait
                                          |  no, time up --> Stop -> TimedOut
                                          |  yes --> Container -> Exited?: code 0 / other / none
                                          v
                          Passed | Failed | NoExit | TimedOut | NotStarted -> Report
"""

from __future__ import annotations

from typing import Any

from chalicelib.engine.container_tasks import CONTAINER, ECS_RETRY

SDK = "arn:aws:states:::aws-sdk:ecs:"
ARN = "$.started.task.TaskArn"
TASK_ID = f"States.ArrayGetItem(States.StringSplit({ARN}, '/'), 2)"


def _outcome(status: str, result: str, message: str, logs: bool, *args: str) -> dict[str, Any]:
    """A Pass state that writes the task's result, status and message (with the link to the
    container's log stream when it ran) to `$.outcome`."""
    if logs:
        message += " (logs: {}{})"
        args = (*args, "$.run.logs", TASK_ID)
    parameters: dict[str, Any] = {
        "status": status,
        "result": result,
        "message.$": f"States.Format('{message}', {', '.join(args)})",
    }
    return {"Type": "Pass", "Parameters": parameters, "ResultPath": "$.outcome", "Next": "Report"}


def _sdk(action: str, parameters: dict[str, Any], **rest: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": SDK + action,
        "Parameters": parameters,
        "Retry": ECS_RETRY,
        **rest,
    }


def machine_definition() -> dict[str, Any]:
    exit_code = "$.exit.container.ExitCode"
    return {
        "Comment": "Quartermaster: one container task of a uniform's image executor",
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Result": {"n": 0}, "ResultPath": "$.count", "Next": "Run"},
            "Run": _sdk(
                "runTask",
                {
                    "Cluster.$": "$.run.cluster",
                    "TaskDefinition.$": "$.run.taskDefinition",
                    "LaunchType": "FARGATE",
                    "StartedBy": "quartermaster",
                    "NetworkConfiguration": {
                        "AwsvpcConfiguration": {
                            "Subnets.$": "$.run.subnets",
                            "SecurityGroups.$": "$.run.securityGroups",
                            "AssignPublicIp.$": "$.run.assignPublicIp",
                        }
                    },
                    "Overrides": {
                        "ContainerOverrides": [
                            {"Name": CONTAINER, "Environment.$": "$.run.environment"}
                        ]
                    },
                },
                ResultSelector={"task.$": "$.Tasks[0]"},
                ResultPath="$.started",
                Catch=[
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotStarted"}
                ],
                Next="Wait",
            ),
            "Wait": {"Type": "Wait", "SecondsPath": "$.run.pollSeconds", "Next": "Describe"},
            "Describe": _sdk(
                "describeTasks",
                {"Cluster.$": "$.run.cluster", "Tasks.$": f"States.Array({ARN})"},
                ResultSelector={"task.$": "$.Tasks[0]"},
                ResultPath="$.state",
                Next="Stopped?",
            ),
            "Stopped?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.state.task.LastStatus",
                        "StringEquals": "STOPPED",
                        "Next": "Container",
                    },
                    {
                        "Variable": "$.count.n",
                        "NumericGreaterThanEqualsPath": "$.run.maxPolls",
                        "Next": "Stop",
                    },
                ],
                "Default": "Count",
            },
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.count.n, 1)"},
                "ResultPath": "$.count",
                "Next": "Wait",
            },
            "Stop": _sdk(
                "stopTask",
                {
                    "Cluster.$": "$.run.cluster",
                    "Task.$": ARN,
                    "Reason": "ran longer than its maxRunTime",
                },
                ResultPath=None,
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "TimedOut"}],
                Next="TimedOut",
            ),
            # Paths end at an index (not `Containers[0].ExitCode`): they mean the same on AWS,
            # and moto's interpreter would answer a list for a field after an index.
            "Container": {
                "Type": "Pass",
                "Parameters": {"container.$": "$.state.task.Containers[0]"},
                "ResultPath": "$.exit",
                "Next": "Exited?",
            },
            "Exited?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": exit_code, "IsPresent": True},
                            {"Variable": exit_code, "NumericEquals": 0},
                        ],
                        "Next": "Passed",
                    },
                    {"Variable": exit_code, "IsPresent": True, "Next": "Failed"},
                ],
                "Default": "NoExit",
            },
            "Passed": _outcome("succeeded", "pass", "{} exited with code 0", True, "$.run.image"),
            "Failed": _outcome(
                "succeeded", "fail", "{} exited with code {}", True, "$.run.image", exit_code
            ),
            "NoExit": _outcome(
                "errored",
                "fail",
                "{} stopped without an exit code: {}",
                True,
                "$.run.image",
                "$.state.task.StoppedReason",
            ),
            "TimedOut": _outcome(
                "errored",
                "fail",
                "{} ran longer than its maxRunTime {} and was stopped",
                True,
                "$.run.image",
                "$.run.maxRunTime",
            ),
            "NotStarted": _outcome(
                "errored",
                "fail",
                "{} could not be started: {}",
                False,
                "$.run.image",
                "$.error.Cause",
            ),
            "Report": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.run.answer", "IsPresent": True, "Next": "Finished"}],
                "Default": "Done",
            },
            "Finished": {
                "Type": "Pass",
                "Parameters": {
                    "time.$": "$$.State.EnteredTime",
                    "data": {
                        "project.$": "$.run.scope.project",
                        "stage.$": "$.run.scope.stage",
                        "service.$": "$.run.scope.service",
                        "status.$": "$.outcome.status",
                        "result.$": "$.outcome.result",
                        "message.$": "$.outcome.message",
                    },
                },
                "ResultPath": "$.finished",
                "Next": "Send",
            },
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [
                        {
                            "EventBusName.$": "$.run.bus",
                            "Source.$": "$.run.answer.source",
                            "DetailType.$": "$.run.answer.type",
                            "Detail.$": "States.JsonMerge($.run.answer, $.finished, false)",
                        }
                    ]
                },
                "Retry": [
                    {
                        "ErrorEquals": ["States.TaskFailed"],
                        "IntervalSeconds": 2,
                        "MaxAttempts": 5,
                        "BackoffRate": 2.0,
                    }
                ],
                "ResultPath": None,
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
