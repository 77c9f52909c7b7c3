"""Reading a rollout as `kubectl rollout status` does, and why pods are not ready."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.engine.kubernetes.rollout_status import pod_problems, rollout_state


def deployment(generation: int = 2, **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "carts", "generation": generation},
        "spec": {"replicas": 3},
        "status": {"observedGeneration": 2, **status},
    }


@pytest.mark.parametrize(
    ("status", "done", "message"),
    [
        ({}, False, "0 of 3 new replicas updated"),
        ({"updatedReplicas": 3, "replicas": 5}, False, "2 old replicas pending termination"),
        (
            {"updatedReplicas": 3, "replicas": 3, "availableReplicas": 1},
            False,
            "1 of 3 updated replicas available",
        ),
        (
            {"updatedReplicas": 3, "replicas": 3, "availableReplicas": 3},
            True,
            "3 of 3 replicas available",
        ),
    ],
)
def test_rollout_state(status: dict[str, Any], done: bool, message: str) -> None:
    state = rollout_state(deployment(**status))
    assert (state.done, state.failed, state.message) == (done, False, message)


def test_a_spec_not_yet_observed_is_not_done() -> None:
    state = rollout_state(deployment(generation=3, updatedReplicas=3, availableReplicas=3))
    assert not state.done
    assert "spec to be observed" in state.message


def test_a_progress_deadline_is_a_failure() -> None:
    condition = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    state = rollout_state(deployment(conditions=[condition]))
    assert state.failed
    assert state.message == "Deployment carts exceeded its progress deadline"


def pod(name: str, template_hash: str = "abc", **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"pod-template-hash": template_hash}},
        "status": status,
    }


def waiting(reason: str, message: str = "", **extra: Any) -> dict[str, Any]:
    return {"name": "carts", "state": {"waiting": {"reason": reason, "message": message}}, **extra}


def test_pod_problems_name_each_reason_and_skip_ready_and_old_pods() -> None:
    ready: Any = [{"type": "Ready", "status": "True"}]
    pods = [
        pod("carts-abc-1", conditions=ready),
        pod("carts-abc-2", containerStatuses=[waiting("ImagePullBackOff", "Back-off pulling")]),
        pod(
            "carts-abc-3",
            containerStatuses=[
                waiting(
                    "CrashLoopBackOff",
                    lastState={"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
                )
            ],
        ),
        pod(
            "carts-abc-4",
            conditions=[
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes",
                }
            ],
        ),
        pod("carts-abc-5", phase="Pending", containerStatuses=[waiting("ContainerCreating")]),
        pod("carts-old-1", "old", containerStatuses=[waiting("ImagePullBackOff")]),
    ]
    events = [
        {"type": "Warning", "involvedObject": {"name": "carts-abc-5"}, "message": "FailedMount"},
        {"type": "Normal", "involvedObject": {"name": "carts-abc-2"}, "message": "Pulling"},
    ]
    found = [str(problem) for problem in pod_problems(pods, events, "abc")]
    assert found == [
        "pod carts-abc-2: ImagePullBackOff (container carts: Back-off pulling)",
        "pod carts-abc-3: CrashLoopBackOff (container carts: last exit code 137 (OOMKilled))",
        "pod carts-abc-4: Unschedulable (0/3 nodes)",
        "pod carts-abc-5: NotReady (phase Pending: FailedMount)",
    ]


def test_an_empty_waiting_message_takes_the_pods_warning_event() -> None:
    pods = [pod("carts-abc-1", containerStatuses=[waiting("ErrImagePull")])]
    events = [
        {"type": "Warning", "involvedObject": {"name": "carts-abc-1"}, "message": "not found"}
    ]
    (problem,) = pod_problems(pods, events, None)
    assert problem.message == "container carts: not found"
