"""infra/stacks.py against a scripted CloudFormation (what moto cannot show: a creation that
rolls back, a stack left in ROLLBACK_COMPLETE, "No updates are to be performed", a busy stack,
the order of the stacks while an earlier one is still updating)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.definition import Watching
from infra.stacks import MARKER, StackError, bootstrap, deploy, teardown

STAGE = "prod"
NAME = f"quartermaster-{STAGE}"
ALARMS = f"{NAME}-alarms"
DASHBOARD = f"{NAME}-dashboard"
WIRING = f"{NAME}-wiring"


def _error(message: str) -> ClientError:
    return ClientError({"Error": {"Code": "ValidationError", "Message": message}}, "Call")


class FakeCloudFormation:
    """Stacks by name; a create or update ends in `outcome`, with `events` appended. With
    `settling`, a stack is first reported `..._IN_PROGRESS` once, as CloudFormation's are."""

    def __init__(self, outcome: str = "CREATE_COMPLETE", settling: bool = False) -> None:
        self.stacks: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.outcome = outcome
        self.settling = settling
        self.pending: dict[str, str] = {}  # stack name -> its status once settled
        self.failure: tuple[str, str] | None = None
        self.unchanged = False
        self.calls: list[str] = []
        # Each create, update and delete: the stack, and every stack's status at that moment.
        self.log: list[tuple[str, str, dict[str, str]]] = []

    def put(self, status: str, tagged: bool = True, name: str = NAME, mode: str = "") -> None:
        kind = mode or name.removeprefix(NAME).removeprefix("-") or "bootstrap"
        tags = [{"Key": MARKER, "Value": kind}] if tagged else []
        self.stacks[name] = {"StackId": f"id-{name}", "StackStatus": status, "Tags": tags}
        self.events[name] = [
            {"EventId": "old", "LogicalResourceId": name, "ResourceStatus": status}
        ]

    def _record(self, call: str, name: str) -> None:
        self.calls.append(call)
        statuses = {stack: str(value["StackStatus"]) for stack, value in self.stacks.items()}
        self.log.append((call, name, statuses))

    # boto3's keyword names, hence the capitals.
    def describe_stacks(self, **request: str) -> dict[str, Any]:
        name = request["StackName"]
        if name not in self.stacks:
            raise _error(f"Stack with id {name} does not exist")
        stack = dict(self.stacks[name])
        if name in self.pending:  # reported in progress this once
            self.stacks[name]["StackStatus"] = self.pending.pop(name)
        return {"Stacks": [stack]}

    def describe_stack_events(self, **request: str) -> dict[str, Any]:
        events = self.events.get(request["StackName"], [])
        return {"StackEvents": list(reversed(events))}  # newest first

    def _finish(self, name: str, tags: list[dict[str, str]], verb: str) -> None:
        status = f"{verb}_IN_PROGRESS" if self.settling else self.outcome
        self.stacks[name] = {"StackId": f"id-{name}", "StackStatus": status, "Tags": tags}
        if self.settling:
            self.pending[name] = self.outcome
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
        self._record("create", request["StackName"])
        self._finish(request["StackName"], request["Tags"], "CREATE")

    def update_stack(self, **request: Any) -> None:
        self._record("update", request["StackName"])
        if self.unchanged:
            raise _error("No updates are to be performed.")
        self._finish(request["StackName"], request["Tags"], "UPDATE")

    def delete_stack(self, **request: str) -> None:
        name = request["StackName"].removeprefix("id-")
        self._record("delete", name)
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


def test_bootstrap_creates_the_alarms_and_dashboard_only_once_the_first_stack_settled() -> None:
    # A bootstrap stack of an earlier release still holds the alarms, their topic and the
    # dashboard: its update removes them before their own stacks create them again under the
    # same names, even when the user does not wait (--no-wait).
    cloudformation = FakeCloudFormation(outcome="UPDATE_COMPLETE", settling=True)
    cloudformation.put("CREATE_COMPLETE")
    outcomes = bootstrap(
        cloudformation, STAGE, progress=lambda line: None, wait_for_it=False, poll_seconds=0
    )
    assert [(call, name) for call, name, _ in cloudformation.log] == [
        ("update", NAME),
        ("create", ALARMS),
        ("create", DASHBOARD),
    ]
    assert cloudformation.log[1][2][NAME] == "UPDATE_COMPLETE"
    assert [(outcome.stack, outcome.action) for outcome in outcomes] == [
        (NAME, "updated"),
        (ALARMS, "started"),
        (DASHBOARD, "started"),
    ]


def test_bootstrap_with_an_opt_out_deletes_that_stack_and_updates_the_others() -> None:
    cloudformation = FakeCloudFormation(outcome="UPDATE_COMPLETE")
    for name in (NAME, ALARMS, DASHBOARD):
        cloudformation.put("CREATE_COMPLETE", name=name)
    outcomes = bootstrap(
        cloudformation,
        STAGE,
        progress=lambda line: None,
        poll_seconds=0,
        watching=Watching(alarms=False),
    )
    assert [(call, name) for call, name, _ in cloudformation.log] == [
        ("update", NAME),
        ("delete", ALARMS),
        ("update", DASHBOARD),
    ]
    assert [outcome.action for outcome in outcomes] == ["updated", "deleted", "updated"]
    # Run again: nothing to delete, and CloudFormation is never sent a template without
    # resources (it refuses one).
    again = bootstrap(
        cloudformation,
        STAGE,
        progress=lambda line: None,
        poll_seconds=0,
        watching=Watching(alarms=False),
    )
    assert [outcome.action for outcome in again] == ["updated", "absent", "updated"]
    assert ("create", ALARMS) not in [(call, name) for call, name, _ in cloudformation.log]


def test_teardown_deletes_the_wiring_stack_first_and_waits_for_it() -> None:
    cloudformation = FakeCloudFormation(settling=True)
    for name in (NAME, ALARMS, DASHBOARD, WIRING):
        cloudformation.put("CREATE_COMPLETE", name=name)
    outcomes = teardown(
        cloudformation, STAGE, progress=lambda line: None, wait_for_it=False, poll_seconds=0
    )
    assert [(call, name) for call, name, _ in cloudformation.log] == [
        ("delete", WIRING),
        ("delete", DASHBOARD),
        ("delete", ALARMS),
        ("delete", NAME),
    ]
    assert [(outcome.stack, outcome.action) for outcome in outcomes] == [
        (WIRING, "deleted"),
        (DASHBOARD, "started"),
        (ALARMS, "started"),
        (NAME, "started"),
    ]


def test_a_stack_of_that_name_made_otherwise_is_left_alone() -> None:
    cloudformation = FakeCloudFormation(outcome="UPDATE_COMPLETE")
    cloudformation.put("CREATE_COMPLETE")
    cloudformation.put("CREATE_COMPLETE", name=ALARMS, tagged=False)
    with pytest.raises(StackError) as raised:
        bootstrap(cloudformation, STAGE, progress=lambda line: None, poll_seconds=0)
    assert f"stack {ALARMS} exists but `qm aws` did not create it" in raised.value.message
    assert ("update", ALARMS) not in [(call, name) for call, name, _ in cloudformation.log]
