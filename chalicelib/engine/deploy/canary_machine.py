"""A canary's plan compiled to Amazon States Language: one Standard state machine per plan, one
execution per canary, so waiting costs nothing and each step shows in the console.

Execution contract (chalicelib/services/deploy/canary.py answers it):

- input `{"run": {"deployment": "<the deployment task's triggered id>"}}` (Workflows.start);
- for step i (1-based) of weight w: `Shift i` sends `{"kind": "shift", "deployment", "step": i,
  "weight": w, "taskToken"}` to the deploy queue and waits for `{"status"}`; `Bake i` waits the
  step's bake time; `Evaluate i` sends `{"kind": "evaluate", ...}` and waits for the evaluation's
  `{"result", "status"}` (at most `evaluation_timeout` seconds); then a Choice: `fail` or
  `errored` rolls back, anything else goes on;
- `Promote` sends `{"kind": "promote"}` and waits; `Roll back` sends `{"kind": "rollback"}` and
  waits; both go on to `Finish`, which sends `{"kind": "finished", "deployment", "last"}`
  (no token) and ends;
- a token task that fails or gets no answer in time rolls back (`$.last` then holds the error);
  every send is retried on the queue service's errors, as the sequence machines' are.
"""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.domain.deployments import PlanStep
from chalicelib.engine.asl import DISPATCH_RESOURCE, SEND_RESOURCE, SEND_RETRY, definition_json

PROMOTE = "Promote"
ROLL_BACK = "Roll back"
FINISH = "Finish"
# Shifting, promoting and rolling back take seconds on Lambda and up to the target's
# rolloutTimeout (14 minutes at most) on EKS; the handler's queue retries a crashed attempt
# after 16 minutes (infra/handlers.py), up to three attempts. An answer later than that means
# the handler cannot do it (its message went to the dead-letter queue): roll back, or end.
ACTION_TIMEOUT_SECONDS = 3 * 960 + 120
_VERSION_LENGTH = 12


def canary_machine_name(deployment: str, definition: dict[str, Any]) -> str:
    """`qm-<deployment>-canary_v<hash>`: one machine per distinct plan, inside the deployment's
    state machine prefix (its policies and the reconciler's rule cover it)."""
    digest = hashlib.sha256(definition_json(definition).encode()).hexdigest()
    return f"qm-{deployment}-canary_v{digest[:_VERSION_LENGTH]}"


def canary_execution_name(deployment_id: str) -> str:
    """Named after the deployment task, so starting it twice starts it once."""
    return "canary-" + hashlib.sha256(deployment_id.encode()).hexdigest()[:40]


def compile_canary(
    plan: tuple[PlanStep, ...], *, deploy_queue_url: str, evaluation_timeout: int
) -> dict[str, Any]:
    if not plan:
        raise ValueError("a canary needs at least one step below 100%")
    states: dict[str, Any] = {}
    for index, step in enumerate(plan, start=1):
        following = _shift_name(index + 1, plan[index]) if index < len(plan) else PROMOTE
        states.update(_step_states(index, step, following, deploy_queue_url, evaluation_timeout))
    states[PROMOTE] = _action(deploy_queue_url, {"kind": "promote"}, "Check promotion")
    states["Check promotion"] = _choice(FINISH)
    states[ROLL_BACK] = {
        **_action(deploy_queue_url, {"kind": "rollback"}, FINISH),
        # The reason for the rollback stays in `$.last`; the rollback's own answer goes aside.
        "ResultPath": "$.rollback",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.rollback", "Next": FINISH}],
    }
    states[FINISH] = {
        "Type": "Task",
        "Resource": SEND_RESOURCE,
        "Parameters": {
            "QueueUrl": deploy_queue_url,
            "MessageBody": {
                "kind": "finished",
                "deployment.$": "$.run.deployment",
                "execution.$": "$$.Execution.Id",
                "last.$": "$.last",
            },
        },
        "ResultPath": None,
        "Retry": SEND_RETRY,
        "End": True,
    }
    weights = ", ".join(f"{step.weight:g}%" for step in plan)
    return {
        "Comment": f"Quartermaster canary: {weights}, then 100%",
        "QueryLanguage": "JSONPath",
        "StartAt": _shift_name(1, plan[0]),
        "States": states,
    }


def _shift_name(index: int, step: PlanStep) -> str:
    return f"Shift {index} ({step.weight:g}%)"


def _step_states(
    index: int, step: PlanStep, following: str, queue: str, evaluation_timeout: int
) -> dict[str, Any]:
    shift, bake = _shift_name(index, step), f"Bake {index} ({step.bake_seconds}s)"
    evaluate, check = f"Evaluate {index}", f"Check {index}"
    timed_out = f"Evaluation {index} timed out"
    body = {"step": index, "weight": step.weight}
    evaluation = _action(queue, {"kind": "evaluate", **body}, check, evaluation_timeout)
    evaluation["Catch"] = [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": timed_out},
        *evaluation["Catch"],
    ]
    return {
        shift: _action(queue, {"kind": "shift", **body}, f"Check shift {index}"),
        f"Check shift {index}": _choice(bake),
        bake: {"Type": "Wait", "Seconds": step.bake_seconds, "Next": evaluate},
        evaluate: evaluation,
        timed_out: {
            "Type": "Pass",
            "Result": {
                "result": "fail",
                "status": "errored",
                "step": index,
                "timedOutSeconds": evaluation_timeout,
            },
            "ResultPath": "$.last",
            "Next": ROLL_BACK,
        },
        check: _choice(following),
    }


def _action(
    queue: str, body: dict[str, Any], following: str, timeout: int = ACTION_TIMEOUT_SECONDS
) -> dict[str, Any]:
    """A message to the deploy queue that waits for the handler's answer in `$.last`."""
    return {
        "Type": "Task",
        "Resource": DISPATCH_RESOURCE,
        "Parameters": {
            "QueueUrl": queue,
            "MessageBody": {
                **body,
                "deployment.$": "$.run.deployment",
                "taskToken.$": "$$.Task.Token",
            },
        },
        "ResultPath": "$.last",
        "TimeoutSeconds": timeout,
        "Retry": SEND_RETRY,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.last", "Next": ROLL_BACK}],
        "Next": following,
    }


def _choice(following: str) -> dict[str, Any]:
    """Go on unless `$.last` failed (`result` fail or `status` errored)."""
    return {
        "Type": "Choice",
        "Choices": [
            {
                "Or": [_is("$.last.result", "fail"), _is("$.last.status", "errored")],
                "Next": ROLL_BACK,
            }
        ],
        "Default": following,
    }


def _is(path: str, value: str) -> dict[str, Any]:
    return {
        "And": [
            {"Variable": path, "IsPresent": True},
            {"Variable": path, "IsString": True},
            {"Variable": path, "StringEquals": value},
        ]
    }
