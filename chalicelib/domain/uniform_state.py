"""What applying a project's uniform left on the bus: the commit applied, when, one rule per
subscription and the subscriptions that could not get one (with why)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.subscriptions import Subscription


class AppliedRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    subscription: str  # its id
    rule: str  # "" for a tool that polls (no rule)


class AppliedUniform(BaseModel):
    """The last apply of one project's uniform (the file's history is its commits)."""

    model_config = ConfigDict(frozen=True)

    project: str
    commit: str  # the uniform.yaml commit applied; "" when the project has none (any more)
    time: str
    rules: tuple[AppliedRule, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        if not self.commit:
            return "removed"
        return "applied with errors" if self.errors else "applied"


class StoredSubscription(BaseModel):
    """A subscription kept by id for its executor. Its id is a hash of its content, so a record
    never changes: a task dispatched under an older uniform finds the executor it was sent to."""

    model_config = ConfigDict(frozen=True)

    project: str
    subscription: Subscription
