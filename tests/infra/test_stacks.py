"""infra/stacks.py against a scripted CloudFormation (what moto cannot show: a creation that
rolls back, a stack left in ROLLBACK_COMPLETE, "No updates are to be performed", a busy stack)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.stacks import MARKER, StackError, deploy

STAGE = "prod"
NAME = f"quartermaster-{STAGE}"


def _error(message: str) -> ClientError:
    return ClientError({"Error": {"Code": "ValidationError", "Message": message}}, "Call")


class FakeCloudFormation:
    """Stacks by name; a create or update ends in `outcome`, with `events` appended."""

    def __init__(self, outcome: str = "CREATE_COMPLETE") -> None:
        self.stacks: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.outcome = outcome
        self.failure: tuple[str, str] | None = None
        self.unchanged = False
        self.calls: list[str] = []

    def put(self, status: str, tagged: bool = True) -> None:
        tags = [{"Key": MARKER, "Value": "bootstrap"}] if tagged else []
        self.stacks[NAME] = {"StackId": f"id-{NAME}", "StackStatus": status, "Tags": tags}
        self.events[NAME] = [
            {"EventId": "old", "LogicalResourceId": NAME, "ResourceStatus": status}
        ]

    # boto3's keyword names, hence the capitals.
    def describe_stacks(self, **request: str) -> dict[str, Any]:
        name = request["StackName"]
        if name not in self.stacks:
            raise _error(f"Stack with id {name} does not exist")
        return {"Stacks": [self.stacks[name]]}

    def describe_stack_events(self, **request: str) -> dict[str, Any]:
        events = self.events.get(request["StackName"], [])
        return {"StackEvents": list(reversed(events))}  # newest first

    def _finish(self, name: str, tags: list[dict[str, str]]) -> None:
        self.stacks[name] = {"StackId": f"id-{name}", "StackStatus": self.outcome, "Tags": tags}
        events = self.events.setdefault(name, [])
        if self.failure:
            resource, reason = self.failure
            events.append(
                {
                    "EventId": f"e{len(events)}",
                    "LogicalResourceId": resource,
                    "ResourceStatus": "CREATE_FAILED",
                    "ResourceStatusReason": reason,
                }
            )
        events.append(
            {
                "EventId": f"e{len(events)}",
                "LogicalResourceId": name,
                "ResourceStatus": self.outcome,
            }
        )

    def create_stack(self, **request: Any) -> None:
        self.calls.append("create")
        self._finish(request["StackName"], request["Tags"])

    def update_stack(self, **request: Any) -> None:
        self.calls.append("update")
        if self.unchanged:
            raise _error("No updates are to be performed.")
        self._finish(request["StackName"], request["Tags"])

    def delete_stack(self, **request: str) -> None:
        self.calls.append("delete")
        name = request["StackName"].removeprefix("id-")
        self.stacks.pop(name)
        self.events.pop(name)


def _deploy(cloudformation: FakeCloudFormation) -> Any:
    lines: list[str] = []
    outcome = deploy(cloudformation, STAGE, "bootstrap", progress=lines.append, poll_seconds=0)
    return outcome, lines


def test_a_creation_that_rolls_back_names_the_failed_resources() -> None:
    cloudformation = FakeCloudFormation(outcome="ROLLBACK_COMPLETE")
    cloudformation.failure = ("EventsTable", "quartermaster-prod-events already exists")
    with pytest.raises(StackError) as raised:
        _deploy(cloudformation)
    assert raised.value.message == (
        "stack quartermaster-prod ended in ROLLBACK_COMPLETE: "
        "EventsTable: quartermaster-prod-events already exists"
    )


def test_a_failed_first_attempt_is_removed_and_created_again() -> None:
    cloudformation = FakeCloudFormation()
    cloudformation.put("ROLLBACK_COMPLETE")
    outcome, lines = _deploy(cloudformation)
    assert cloudformation.calls == ["delete", "create"]
    assert (outcome.action, outcome.status) == ("created", "CREATE_COMPLETE")
    assert any("removing the failed first attempt" in line for line in lines)


def test_nothing_to_update_is_reported_as_up_to_date() -> None:
    cloudformation = FakeCloudFormation()
    cloudformation.put("CREATE_COMPLETE")
    cloudformation.unchanged = True
    outcome, _ = _deploy(cloudformation)
    assert outcome.action == "unchanged"


def test_an_update_reports_only_its_own_events() -> None:
    cloudformation = FakeCloudFormation(outcome="UPDATE_COMPLETE")
    cloudformation.put("CREATE_COMPLETE")
    outcome, lines = _deploy(cloudformation)
    assert outcome.action == "updated"
    assert lines == [f"{NAME}: UPDATE_COMPLETE"]


@pytest.mark.parametrize(
    ("status", "tagged", "expected"),
    [
        ("UPDATE_IN_PROGRESS", True, "is busy (UPDATE_IN_PROGRESS)"),
        ("UPDATE_ROLLBACK_FAILED", True, "continue-update-rollback"),
        ("CREATE_COMPLETE", False, "`qm aws` did not create it"),
    ],
)
def test_a_stack_that_cannot_be_updated_says_why(status: str, tagged: bool, expected: str) -> None:
    cloudformation = FakeCloudFormation()
    cloudformation.put(status, tagged=tagged)
    with pytest.raises(StackError) as raised:
        _deploy(cloudformation)
    assert expected in raised.value.message
    assert cloudformation.calls == []
