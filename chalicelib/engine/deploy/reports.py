"""What the executor's `.finished` events say: Keptn's deployment block (reference 2.4), what a
release or a rollback did, and a canary's outcome step by step. Pure: built from the record."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.deployment_records import DeploymentRecord, Finish, StepRecord
from chalicelib.domain.deployments import Endpoints, Routing, StrategyKind
from chalicelib.domain.outcomes import Result, Status

NO_SLO_MARK = "no SLO file"


def deployment_block(record: DeploymentRecord, endpoints: Endpoints) -> dict[str, Any]:
    """`deployment.*` of deployment.finished, with the version and what ran before."""
    previous = record.previous.version if record.previous else None
    block: dict[str, Any] = {
        "deploymentstrategy": record.strategy.name,
        "deploymentNames": list(endpoints.names),
        "deploymentURIsLocal": list(endpoints.local),
        "deploymentURIsPublic": list(endpoints.public),
        "version": record.version or "",
        # The SLI placeholders of this stage's target ($FUNCTION, $ALIAS, $VERSION).
        "target": {"type": record.target.type, "stage": record.stage, **endpoints.placeholders},
    }
    if previous is not None:
        block["previousVersion"] = previous
    if record.gitcommitid:
        block["gitCommit"] = record.gitcommitid
    image = record.artifact.image or record.artifact.s3
    if image:
        block["artifact"] = image
    return {"deployment": block}


def passed(message: str, data: dict[str, Any] | None = None) -> Finish:
    return Finish(result=Result.PASS, status=Status.SUCCEEDED, message=message, data=data or {})


def errored(message: str, data: dict[str, Any] | None = None) -> Finish:
    return Finish(result=Result.FAIL, status=Status.ERRORED, message=message, data=data or {})


def failed(message: str, data: dict[str, Any] | None = None) -> Finish:
    return Finish(result=Result.FAIL, status=Status.SUCCEEDED, message=message, data=data or {})


def deployed_message(record: DeploymentRecord, routing: Routing) -> str:
    where = record.target.describe()
    before = _before(record.previous)
    if record.strategy.kind is StrategyKind.BLUE_GREEN and routing.candidate is not None:
        return (
            f"version {routing.candidate} staged on {where} beside version {routing.version} with "
            "no traffic: release switches to it, rollback discards it"
        )
    if record.strategy.kind in (StrategyKind.BLUE_GREEN, StrategyKind.CANARY) and (
        record.previous is None or record.previous.version is None
    ):
        return (
            f"version {routing.version} deployed on {where}: it takes all traffic (nothing ran "
            f"before, so there was nothing to {_beside(record)})"
        )
    return f"version {routing.version} deployed on {where}: it takes all traffic{before}"


def _beside(record: DeploymentRecord) -> str:
    return "stage it beside" if record.strategy.kind is StrategyKind.BLUE_GREEN else "compare with"


def _before(previous: Routing | None) -> str:
    if previous is None or previous.version is None:
        return ""
    return f" (version {previous.version} ran before)"


def step_outcome(index: int, weight: float, data: dict[str, Any], shifted: str) -> StepRecord:
    """A canary step's record from its evaluation.finished data."""
    evaluation = data.get("evaluation") if isinstance(data.get("evaluation"), dict) else {}
    assert isinstance(evaluation, dict)
    score = evaluation.get("score")
    failing = [
        _sli_name(item)
        for item in evaluation.get("indicatorResults") or []
        if isinstance(item, dict) and item.get("status") == Result.FAIL
    ]
    return StepRecord(
        index=index,
        weight=weight,
        shifted=shifted,
        result=str(data.get("result") or Result.PASS),
        score=float(score) if isinstance(score, int | float) else None,
        failing=failing,
        message=str(data.get("message") or ""),
    )


def _sli_name(indicator: dict[str, Any]) -> str:
    value = indicator.get("value") if isinstance(indicator.get("value"), dict) else {}
    assert isinstance(value, dict)
    return str(value.get("metric") or indicator.get("displayName") or "?")


def describe_step(step: StepRecord, steps: int) -> str:
    head = f"step {step.index} of {steps} ({step.weight:g}%)"
    if "no SLO file" in step.message or "no SLI-provider" in step.message:
        return f"{head}: passed on its bake time alone ({step.message})"
    score = f"score {step.score:g}" if step.score is not None else "no score"
    text = f"{head}: {score}, {step.result}"
    if step.failing:
        text += f"; failing SLIs: {', '.join(step.failing)}"
    if step.result not in (Result.PASS, Result.WARNING) and step.message:
        text += f" ({step.message})"
    return text


def canary_finish(record: DeploymentRecord, last: dict[str, Any], endpoints: Endpoints) -> Finish:
    """The canary's outcome once its execution ended: promoted, or stopped at a step."""
    data = deployment_block(record, endpoints)
    steps = len(record.strategy.plan) + 1  # the promotion to 100% is the last step
    history = "; ".join(describe_step(step, steps) for step in record.steps if step.result)
    where = record.target.describe()
    previous = record.previous.version if record.previous else None
    promoted = last.get("status") == Status.SUCCEEDED and last.get("promoted") is True
    if promoted:
        message = f"canary of version {record.version} on {where} promoted: it takes all traffic"
        if previous:
            message += f" (version {previous} ran before)"
        return passed(f"{message}. {history}" if history else message, data)
    reason = _stop_reason(record, last)
    message = (
        f"canary of version {record.version} on {where} stopped {reason}; all traffic went back "
        f"to version {previous}"
    )
    if history:
        message += f". {history}"
    failing_step = next((step for step in record.steps if step.result == Result.FAIL), None)
    if failing_step is not None and last.get("status") != Status.ERRORED:
        return failed(message, data)
    return errored(message, data)


def _stop_reason(record: DeploymentRecord, last: dict[str, Any]) -> str:
    if "Error" in last:  # a task of the machine failed: its error and cause
        return f"by an error ({last.get('Error')}: {str(last.get('Cause') or '')[:500]})"
    if last.get("timedOutSeconds"):
        return (
            f"at step {last.get('step')}: no evaluation.finished within "
            f"{last.get('timedOutSeconds')} s (is the SLI provider answering?)"
        )
    failing = next((step for step in record.steps if step.result == Result.FAIL), None)
    if failing is not None:
        score = f"score {failing.score:g}" if failing.score is not None else "no score"
        names = f", failing SLIs: {', '.join(failing.failing)}" if failing.failing else ""
        return f"at step {failing.index} ({failing.weight:g}%): {score}{names}"
    message = str(last.get("message") or "")
    return f"({message})" if message else "before its promotion"
