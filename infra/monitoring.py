"""Alarms and a dashboard for a deployment (the packaged template, and on the `chalice deploy`
route a stack each; the local runtime has neither).

Alarms cost $0.10 a month each at rest. Each alarm's action notifies the deployment's alarm
topic (SNS, free at rest): subscribe an e-mail address, a chat integration or a pager to it
(docs/operations.md). Their state changes also reach the default EventBridge bus. The
dashboard costs $3 a month (the free tier covers an account's first three of up to 50 metrics;
this one has more). Both can be left out (`infra.definition.Watching`). Quartermaster's own
metrics (namespace `Quartermaster`, chalicelib/observability.py) all carry `service`.
"""

from __future__ import annotations

import json
from typing import Any

from infra.handlers import HANDLERS, INTERNAL_QUEUES, queue_name
from infra.naming import (
    APP_NAME,
    failure_queue_name,
    function_id,
    function_name,
    is_asynchronous,
    logical_id,
)
from infra.resources import failure_queue_id

PERIOD_S = 300
# chalicelib/observability.py: NAMESPACE, and SERVICE as the `service` dimension of every metric.
NAMESPACE = "Quartermaster"
SERVICE = "quartermaster"


def dead_letter_queues(stage: str) -> dict[str, str]:
    """Logical id -> queue name of every dead-letter queue of a `lambda`-mode deployment."""
    queues = {
        f"{logical_id(queue_name(stage, queue))}QueueDeadLetters": f"{queue_name(stage, queue)}-dlq"
        for queue in INTERNAL_QUEUES
    }
    for spec in HANDLERS:
        if is_asynchronous(spec):
            queues[failure_queue_id(spec.name)] = failure_queue_name(stage, spec.name)
    return queues


ALARM_TOPIC = "AlarmTopic"


def alarm_topic(stage: str) -> dict[str, Any]:
    """Where every alarm sends its state changes (ALARM and back to OK)."""
    return {
        ALARM_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": f"{APP_NAME}-{stage}-alarms",
                "DisplayName": f"Quartermaster {stage} alarms",
            },
        }
    }


def _alarm(name: str, description: str, metric: dict[str, Any]) -> dict[str, Any]:
    topic = {"Ref": ALARM_TOPIC}
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmDescription": description,
            "AlarmActions": [topic],
            "OKActions": [topic],
            **metric,
            "Period": PERIOD_S,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    }


def alarms(stage: str, functions: list[str]) -> dict[str, Any]:
    """A dead-letter queue that holds anything, a function that failed, and a sequence that
    timed out are alarms. Queues and functions are named by their physical names: on the
    `chalice deploy` route the queues are in the bootstrap stack and the functions do not exist
    yet (`chalice deploy` creates them)."""
    resources: dict[str, Any] = alarm_topic(stage)
    for queue_id, queue in dead_letter_queues(stage).items():
        resources[f"{queue_id}Alarm"] = _alarm(
            f"{queue}-not-empty",
            f"{queue} holds messages that failed every retry: inspect, fix, then redrive them.",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                # By name, not by reference: on the `chalice deploy` route the queues are in
                # another stack.
                "Dimensions": [{"Name": "QueueName", "Value": queue}],
                "Statistic": "Maximum",
            },
        )
    for name in functions:
        function = function_id(name)
        resources[f"{function}ErrorsAlarm"] = _alarm(
            f"{function_name(stage, name)}-errors",
            f"The {name} function raised errors: see its log group.",
            {
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": function_name(stage, name)}],
                "Statistic": "Sum",
            },
        )
    resources["SequencesTimedOutAlarm"] = _alarm(
        f"{APP_NAME}-{stage}-sequences-timed-out",
        "Sequences ended because a task got no .started or .finished by its deadline: "
        "see whether the task's tool is subscribed and running, and the run (qm get sequences).",
        {
            "Namespace": NAMESPACE,
            "MetricName": "SequencesTimedOut",
            "Dimensions": [{"Name": "service", "Value": SERVICE}],
            "Statistic": "Sum",
        },
    )
    resources["ExecutionsFailedAlarm"] = _alarm(
        f"{APP_NAME}-{stage}-executions-failed",
        "A sequence's state machine execution failed, timed out or was stopped outside the "
        "control plane, and its run ended errored (the reconciler): see the run's .finished "
        "message and the execution's history in the Step Functions console.",
        {
            "Namespace": NAMESPACE,
            "MetricName": "ExecutionsFailed",
            "Dimensions": [{"Name": "service", "Value": SERVICE}],
            "Statistic": "Sum",
        },
    )
    return resources


def _metrics_widget(
    title: str, metrics: list[list[Any]], x: int, y: int, stat: str = "Sum"
) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "stat": stat,
            "period": PERIOD_S,
            "view": "timeSeries",
            "metrics": metrics,
        },
    }


def _own(metric: str, dimension: str, stat: str = "Sum") -> str:
    """A SEARCH over one of Quartermaster's metrics, a line per value of `dimension`."""
    schema = ",".join(sorted((NAMESPACE, dimension, "service")))
    return f"SEARCH('{{{schema}}} MetricName=\"{metric}\"', '{stat}', {PERIOD_S})"


def _own_widgets(y: int) -> list[dict[str, Any]]:
    """Quartermaster's metrics: sequences, evaluations, task durations, handler deliveries."""
    service = ["service", SERVICE]
    return [
        _metrics_widget(
            "Sequences: started, finished by result, timed out",
            [
                [NAMESPACE, "SequencesStarted", *service],
                [{"expression": _own("SequencesFinished", "result"), "id": "finished"}],
                [NAMESPACE, "SequencesTimedOut", *service],
            ],
            0,
            y,
        ),
        _metrics_widget(
            "Evaluations finished by result",
            [[{"expression": _own("EvaluationsFinished", "result"), "id": "evaluations"}]],
            12,
            y,
        ),
        _metrics_widget(
            "Task duration by task (p99, ms: dispatched to completed)",
            [[{"expression": _own("TaskDuration", "task", "p99"), "id": "tasks"}]],
            0,
            y + 6,
            stat="p99",
        ),
        _metrics_widget(
            "Deliveries handled and failed, by handler",
            [
                [{"expression": _own("EventsHandled", "handler"), "id": "handled"}],
                [{"expression": _own("HandlerErrors", "handler"), "id": "failed"}],
            ],
            12,
            y + 6,
        ),
    ]


def dashboard(stage: str, functions: list[str], tables: list[str]) -> dict[str, Any]:
    """One page: functions (invocations, errors, throttles, duration), dead-letter queues,
    state machine outcomes, tables, the API, then Quartermaster's own metrics."""
    names = [function_name(stage, name) for name in functions]

    def per_function(metric: str) -> list[list[Any]]:
        return [["AWS/Lambda", metric, "FunctionName", name] for name in names]

    machines = f"qm-{stage}-"
    search = (
        "SEARCH('{{AWS/States,StateMachineArn}} MetricName=\"{metric}\" \"{prefix}\"', 'Sum', "
        f"{PERIOD_S})"
    )
    widgets = [
        _metrics_widget("Invocations", per_function("Invocations"), 0, 0),
        _metrics_widget("Errors", per_function("Errors"), 12, 0),
        _metrics_widget("Throttles", per_function("Throttles"), 0, 6),
        _metrics_widget("Duration (p99, ms)", per_function("Duration"), 12, 6, stat="p99"),
        _metrics_widget(
            "Dead-letter queues (messages waiting)",
            [
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue]
                for queue in dead_letter_queues(stage).values()
            ],
            0,
            12,
            stat="Maximum",
        ),
        _metrics_widget(
            "Sequences (state machine executions)",
            [
                [{"expression": search.format(metric=metric, prefix=machines), "id": f"e{i}"}]
                for i, metric in enumerate(
                    (
                        "ExecutionsStarted",
                        "ExecutionsSucceeded",
                        "ExecutionsFailed",
                        "ExecutionsAborted",
                        "ExecutionsTimedOut",
                    )
                )
            ],
            12,
            12,
        ),
        _metrics_widget(
            "Tables (consumed capacity units)",
            [
                ["AWS/DynamoDB", metric, "TableName", table]
                for table in tables
                for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")
            ],
            0,
            18,
        ),
        _metrics_widget(
            "API (requests, 4xx, 5xx)",
            [
                ["AWS/ApiGateway", metric, "ApiName", APP_NAME]
                for metric in ("Count", "4XXError", "5XXError")
            ],
            12,
            18,
        ),
        *_own_widgets(24),
    ]
    body = json.dumps({"widgets": widgets}, separators=(",", ":"))
    return {
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": f"{APP_NAME}-{stage}",
                "DashboardBody": {"Fn::Sub": body},
            },
        }
    }
