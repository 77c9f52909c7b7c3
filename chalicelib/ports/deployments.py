"""Deployment targets: the target port, its context, the executor's records and what runs where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from chalicelib.domain.deployment_records import DeploymentRecord, EvaluationWaiter
    from chalicelib.domain.deployments import Artifact, Endpoints, Routing
    from chalicelib.domain.service_state import SeenEvent, ServiceState


class DeploymentTarget(Protocol):
    """One deployment target (a Lambda alias, an EKS namespace) as the executor's strategies
    need it. The executor (chalicelib/services/deploy/) decides; a target only carries out.

    **Versions.** A version is an opaque string the target chooses and understands (Lambda: a
    published version number, "7"; EKS: e.g. the image reference or a revision name). `Routing`
    (chalicelib/domain/deployments.py) says what runs: `version` takes the traffic the
    `candidate` does not, `weight` is the candidate's percentage; `version` None means nothing
    has ever been deployed there.

    **Strategies.** `direct`: `deploy`. `blue_green_service`: `stage` on `deployment`, `promote`
    on `release`, `rollback` to the routing read before `stage` on `rollback`. `canary`: `stage`,
    then `shift` for each step (an evaluation between steps), `promote` at the end, or
    `rollback` when a step fails. Before changing anything the executor reads `current()` and
    records it, so a rollback restores exactly that, however often it is retried.

    **At least once.** Every method may be called again with the same arguments after a crash
    or a lost answer, and must then give the same result without doing the work twice:
    `deploy` and `stage` get `ref` (the deployment's id, stable across retries) and must find
    what an earlier call with that `ref` created instead of creating a second version;
    `shift`, `promote` and `rollback` set a state, so repeating them is harmless.

    **Errors.** Raise a non-retryable QuartermasterError (chalicelib/errors.py: InvalidInput,
    NotFound, Forbidden, TargetFailed) when retrying cannot help, with a message that names the
    target and the fix ("function 'carts' has no alias 'live'; ..."); the task then ends
    `errored` with that message and the target is restored to the recorded routing. Raise
    DependencyFailure for what may pass (throttling, a 5xx); the delivery is then retried.
    Anything else is treated as retryable too. Never leave traffic on a version that did not
    become ready: `deploy` raises before switching traffic (EKS: a rollout that does not become
    ready within the target's `rolloutTimeout` raises TargetFailed naming the pods and why).
    """

    def describe(self) -> str:
        """The target in a few words, for messages: "Lambda function 'carts' (alias 'live')"."""
        ...

    def current(self) -> Routing:
        """What runs now."""
        ...

    def deploy(self, artifact: Artifact, ref: str) -> Routing:
        """Make `artifact` a new version and give it all traffic at once (`direct`)."""
        ...

    def stage(self, artifact: Artifact, ref: str) -> Routing:
        """Make `artifact` a new version next to the running one with no traffic (the
        candidate at weight 0). Where nothing runs yet there is nothing to stage beside: the
        new version takes all traffic, and the routing returned has no candidate."""
        ...

    def shift(self, version: str, weight: float) -> Routing:
        """Give `weight` percent (0 < weight < 100) of the traffic to the staged `version`,
        the rest to the running one."""
        ...

    def promote(self, version: str) -> Routing:
        """Give `version` all traffic; it is the running version from now on."""
        ...

    def rollback(self, to: Routing) -> Routing:
        """Restore exactly `to` (as `current()` read it before the change); the routing after."""
        ...

    def endpoints(self, version: str | None) -> Endpoints:
        """Where the target (or, with `version`, that version alone) is reachable, and the SLI
        placeholders that select its metrics."""
        ...


class TargetContext(BaseModel):
    """What an adapter may need beside the target spec: the service and the configuration
    version of the run (the EKS adapter reads its manifests there)."""

    model_config = ConfigDict(frozen=True)

    project: str
    stage: str
    service: str
    gitcommitid: str | None = None


class DeploymentStore(Protocol):
    """The executor's records (chalicelib/domain/deployment_records.py), the canary steps
    waiting for an evaluation, and each service's last deployment by the executor."""

    def create(self, record: DeploymentRecord) -> bool:
        """Store a new record; False when one with this id exists (a redelivered event)."""
        ...

    def get(self, deployment_id: str) -> DeploymentRecord | None: ...

    def save(self, record: DeploymentRecord) -> bool:
        """Write `record` if the stored one still has revision `record.revision - 1`; False
        when another write came first (read again and redo the change)."""
        ...

    def put_waiter(self, waiter: EvaluationWaiter) -> None: ...

    def get_waiter(self, evaluation_id: str) -> EvaluationWaiter | None: ...

    def last_deployment(self, project: str, stage: str, service: str) -> DeploymentRecord | None:
        """The newest finished deployment task of the service that changed its target."""
        ...

    def set_last_deployment(self, record: DeploymentRecord) -> None: ...

    def forget_last_deployment(self, project: str, stage: str, service: str) -> None:
        """Remove the service's last deployment (its project is deleted): a project created
        again under the name must not roll back to it. Nothing to remove is fine."""
        ...


class ServiceStates(Protocol):
    """What runs where: per project, stage and service, the newest event of each type and the
    deployment that runs (chalicelib/domain/service_state.py)."""

    def note_event(self, project: str, stage: str, service: str, seen: SeenEvent) -> None:
        """Record `seen` as the newest event of its type unless a newer one is recorded."""
        ...

    def get(self, project: str, stage: str, service: str) -> ServiceState | None: ...

    def of_project(self, project: str) -> list[ServiceState]:
        """Every stage and service of `project` with a state: one Query."""
        ...

    def save_deployed(self, state: ServiceState) -> bool:
        """Write the state's deployment part if its revision is still `state.revision - 1`."""
        ...

    def forget_project(self, project: str) -> list[tuple[str, str]]:
        """Remove every state of `project` (it is deleted); the (stage, service) pairs that
        had one. Nothing to remove is fine."""
        ...
