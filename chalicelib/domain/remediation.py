"""`remediation.yaml` (`spec.keptn.sh/0.1.4`): actions per problem type, and how one is chosen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidatorFunctionWrapHandler, field_validator

from chalicelib.domain.docmodel import (
    ConfigModel,
    Metadata,
    NonEmptyStr,
    unique_items,
)

API_VERSION = "spec.keptn.sh/0.1.4"
DEFAULT_PROBLEM_TYPE = "default"


def _string_or_mapping(value: Any) -> Any:
    # Keptn's Go type is interface{}: numbers and booleans pass through as written; a list
    # is neither the documented string nor object, so it is refused.
    if isinstance(value, list):
        raise ValueError("must be a string or a mapping, found a list")
    return value


ActionValue = str | int | float | bool | dict[str, Any] | None


class Action(ConfigModel):
    """One remediation action, sent to action providers as `data.action`."""

    name: NonEmptyStr
    action: NonEmptyStr
    # Keptn's spec lists description and value as required, but its quickstart example leaves
    # `value` out and the Go code never checks either, so both are optional.
    description: str = ""
    value: Annotated[ActionValue, BeforeValidator(_string_or_mapping)] = None


class ProblemRemediation(ConfigModel):
    """The actions to try, in order, for one problem type."""

    problem_type: NonEmptyStr = Field(alias="problemType")
    actions_on_open: list[Action] = Field(alias="actionsOnOpen", min_length=1)


class RemediationSpec(ConfigModel):
    """`spec` of a remediation file."""

    remediations: list[ProblemRemediation] = Field(min_length=1)

    @field_validator("remediations", mode="wrap")
    @classmethod
    def _unique_problem_types(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return unique_items(
            value,
            handler,
            "problemType",
            lambda kind, first: (
                f"problemType '{kind}' is already listed in remediations[{first}]; "
                "only the first would ever be used"
            ),
        )


class Remediation(ConfigModel):
    """A service's remediation file for one stage."""

    api_version: Literal["spec.keptn.sh/0.1.4"] = Field(alias="apiVersion")
    kind: Literal["Remediation"]
    metadata: Metadata
    spec: RemediationSpec

    def actions_for(self, problem_title: str | None, root_cause: str | None) -> list[Action] | None:
        """The action list for a problem (reference 5.3 step 2), or None when nothing applies.

        The first remediation whose problemType equals the root cause wins, then one equal to the
        problem title, then the `default` one.
        """
        for wanted in (root_cause, problem_title, DEFAULT_PROBLEM_TYPE):
            if not wanted:
                continue
            for item in self.spec.remediations:
                if item.problem_type == wanted:
                    return item.actions_on_open
        return None

    def choose_action(
        self, problem_title: str | None, root_cause: str | None, action_index: int
    ) -> ActionChoice:
        """get-action's decision (reference 5.3 steps 2-4): the action at the index, or why not."""
        problem = problem_title or root_cause or "the problem"
        actions = self.actions_for(problem_title, root_cause)
        if actions is None:
            return ActionChoice(None, action_index, f"unable to find action for {problem}")
        if action_index < 0 or action_index >= len(actions):
            message = f"there is no action with index {action_index} for {problem}"
            return ActionChoice(None, action_index, message)
        return ActionChoice(actions[action_index], action_index + 1, "")


@dataclass(frozen=True)
class ActionChoice:
    """The chosen action and the index to carry forward; `action` None means the loop ends."""

    action: Action | None
    next_index: int
    message: str
