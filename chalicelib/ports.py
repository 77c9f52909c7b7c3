"""The ports: what services need from the outside world. Adapters implement them; fakes too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.address_guard import Target
from chalicelib.domain.deployment_records import DeploymentRecord, EvaluationWaiter
from chalicelib.domain.deployments import Artifact, Endpoints, Routing
from chalicelib.domain.effects import Effect
from chalicelib.domain.evaluations import (
    BaselineFilter,
    EvaluationRecord,
    MonitoringSettings,
    PendingEvaluation,
)
from chalicelib.domain.event_query import EventPage, EventQuery
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.outgoing_request import HttpResponse, OutgoingRequest
from chalicelib.domain.projects import (
    Commit,
    ProjectRecord,
    Resource,
    ResourceScope,
    ServiceRecord,
)
from chalicelib.domain.runs import CompletedTask, CurrentTask, Run, RunState, Scope, TaskRecord
from chalicelib.domain.secrets import Secret, SecretSummary
from chalicelib.domain.service_state import SeenEvent, ServiceState
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.engine.lighthouse.models import IndicatorValue


class EventBus(Protocol):
    """Where events are published for every handler (EventBridge in AWS)."""

    def publish(self, event: KeptnEvent) -> None: ...


class EventStore(Protocol):
    """The audit trail: every event seen on the bus, queryable by key."""

    def put(self, event: KeptnEvent) -> bool:
        """Store `event`; False when an event with the same source and id is already stored."""
        ...

    def query(self, query: EventQuery) -> EventPage: ...


class TokenRecord(BaseModel):
    """An API token as stored: never the token itself, only its SHA-256 digest."""

    model_config = ConfigDict(frozen=True)

    name: str
    digest: str
    created: str  # Keptn's time format, UTC
    expires: str | None = None  # the same format; None: never expires
    created_by: str = ""  # the name of the token that created it ("" when made with AWS access)


class TokenStore(Protocol):
    """API tokens (hashed), one per name."""

    def list_tokens(self) -> list[TokenRecord]: ...

    def put_token(self, record: TokenRecord) -> None:
        """Create the token, or replace the one of that name."""
        ...

    def create_token(self, record: TokenRecord) -> None:
        """Create the token; Conflict when one of that name exists."""
        ...

    def delete_token(self, name: str) -> bool:
        """Delete the token of that name; False when there was none."""
        ...


class ConfigStore(Protocol):
    """Projects, services and versioned configuration resources."""

    def create_project(self, project: ProjectRecord, author: str) -> ProjectRecord:
        """Create the project and its first commit (the shipyard); Conflict when it exists."""
        ...

    def update_shipyard(self, project: ProjectRecord, author: str) -> ProjectRecord: ...

    def get_project(self, name: str) -> ProjectRecord | None: ...

    def list_projects(self) -> list[ProjectRecord]: ...

    def delete_project(self, name: str) -> None: ...

    def create_service(self, service: ServiceRecord) -> None:
        """Conflict when the service exists."""
        ...

    def list_services(self, project: str) -> list[ServiceRecord]: ...

    def delete_service(self, project: str, service: str) -> None: ...

    def put_resources(
        self, scope: ResourceScope, files: Sequence[tuple[str, bytes]], author: str, message: str
    ) -> Commit:
        """Write new versions of `files` (uri, content) in one commit."""
        ...

    def delete_resource(self, scope: ResourceScope, uri: str, author: str) -> Commit: ...

    def get_resource(
        self, scope: ResourceScope, uri: str, version: str | None = None
    ) -> Resource | None:
        """The resource as of `version` (a commit id; None = latest); None if absent."""
        ...

    def list_resources(self, scope: ResourceScope, version: str | None = None) -> list[Resource]:
        """Every resource of `scope` as of `version`, without deleted ones."""
        ...


class SecretStore(Protocol):
    """Secrets (Secrets Manager in AWS). Values are read only by the control plane itself."""

    def create(self, secret: Secret) -> None:
        """Conflict when a secret of that name and scope exists."""
        ...

    def update(self, secret: Secret) -> None:
        """NotFound when it does not exist."""
        ...

    def delete(self, name: str, scope: str) -> None:
        """NotFound when it does not exist."""
        ...

    def list(self) -> list[SecretSummary]: ...

    def read(self, name: str, scope: str) -> Secret | None: ...


class RunStore(Protocol):
    """Sequence executions ("runs"), with each decision's effects kept in the run's outbox
    (chalicelib/domain/effects.py) until they are carried out."""

    def create_run(self, run: Run, paused_by: str | None = None) -> bool:
        """Store the run and queue it in its scope, in one write, while its context's pause
        flags are as read (`paused_by`: the flag that pauses a paused run, None when the
        caller pauses it; an unpaused one needs none to be set). False when a run with this id
        exists (a duplicate trigger, or this trigger's own earlier attempt), or the flags
        changed since they were read."""
        ...

    def get_run(self, run_id: str) -> Run | None: ...

    def get_run_with_task(
        self, run_id: str, triggered_id: str | None
    ) -> tuple[Run | None, TaskRecord | None]:
        """The run and one task (None: the run alone), in one consistent read."""
        ...

    def runs_of_context(self, keptn_context: str, consistent: bool = False) -> list[Run]:
        """The context's runs, oldest trigger first. `consistent`: every run written before
        the call, as it is now (for control requests); otherwise through an index that may
        lag a moment behind."""
        ...

    def runs_of_project(self, project: str, limit: int) -> list[Run]:
        """Newest first."""
        ...

    def end_run(
        self,
        run_id: str,
        state: RunState,
        result: str,
        status: str,
        effects: list[Effect],
        stamp: str,
        completed_tail: CompletedTask | None = None,
        unanswered: str | None = None,
    ) -> bool:
        """Move the run to a final state with the effects that follow (and `completed_tail`
        added to its completed tasks); False when it had ended already (final states never
        change) or, with `unanswered`, when that task is answered, closed or held."""
        ...

    def mark_started(self, run_id: str, execution_arn: str) -> bool:
        """Record the execution and move a queued run to `started`; False if it ended."""
        ...

    def set_paused(self, run_id: str, paused: bool) -> bool:
        """Pause or resume a run; False when it ended or already was so."""
        ...

    def clear_run_effects(self, run_id: str, names: list[str]) -> None:
        """Remove carried-out entries from the run's outbox."""
        ...


class ScopeQueues(Protocol):
    """One run at a time per (project, stage, service): a lock and a queue in trigger order."""

    def lock_holder(self, scope: Scope) -> str | None: ...

    def claim_next(self, scope: Scope) -> str | None:
        """Take the lock of `scope` for its oldest queued run and return that run's id;
        None when the lock is held or nothing waits. Raises DependencyFailure when the write
        was cancelled for any other reason than its condition (try again)."""
        ...

    def release(self, scope: Scope, run_id: str) -> None:
        """Free the lock if `run_id` holds it, else remove the run from the queue if it waits."""
        ...


class PauseFlags(Protocol):
    """Contexts paused by a user: runs of theirs that start meanwhile start paused."""

    def set_context_pause(self, keptn_context: str, stage: str | None, paused: bool) -> None:
        """Remember that runs of this context (in `stage`, or all stages) start paused."""
        ...

    def context_paused(self, keptn_context: str, stage: str) -> bool: ...

    def pause_flag(self, keptn_context: str, stage: str) -> str | None:
        """The flag that pauses runs of this context in `stage` (`stage` itself, or `*` for
        every stage), or None."""
        ...


class TaskStore(Protocol):
    """Dispatched tasks: the private token, answers counted once, and each task decision's
    effects in the task's outbox."""

    def create_task(
        self,
        task: TaskRecord,
        project: str,
        answer_deadline: str | None,
        current: tuple[CurrentTask, RunState],
        effects: list[Effect],
        stamp: str,
        paused: bool = False,
        completed_tail: CompletedTask | None = None,
    ) -> bool:
        """Store the task, make it its run's current task (`completed_tail` joining the run's
        completed tasks) and keep `effects`, in one write. False when it exists (a redelivered
        dispatch), its run ended, or the run's pause flag is no longer `paused`. A held task
        (no `answer_deadline`) has no answer deadline until it is released."""
        ...

    def get_task(self, triggered_id: str) -> TaskRecord | None: ...

    def count_answer(
        self,
        triggered_id: str,
        task_name: str,
        phase: str,
        event_key: str,
        data: dict[str, object],
    ) -> TaskRecord | None:
        """Count one `.started` or `.finished` of the open task `task_name`, once per event;
        the task after the update, or None when the task is unknown, closed, has another name
        or the event was counted before."""
        ...

    def finish_alone(
        self,
        triggered_id: str,
        task_name: str,
        event_key: str,
        data: dict[str, object],
        completion: CompletedTask,
        outcome: dict[str, str],
    ) -> tuple[bool, TaskRecord | None]:
        """Count a `.finished` and close the task with `completion` and `outcome` in one
        write, if the task is open, named `task_name`, has no `.finished` yet and at most one
        `.started`, and the event was not counted before: (True, the task closed). Otherwise
        nothing is written: (False, the task as it is, or None when unknown)."""
        ...

    def add_token(self, triggered_id: str, token: str) -> bool:
        """Keep another token the execution waits on the open task with; False when the task
        is closed (or unknown): resume that token with the task's outcome instead."""
        ...

    def close_task(
        self,
        triggered_id: str,
        started: int,
        finished: int,
        completion: CompletedTask | None = None,
        outcome: dict[str, str] | None = None,
        later_tokens: int = 0,
        effects: list[Effect] | None = None,
        stamp: str = "",
    ) -> bool:
        """Close the task with `completion` (kept on the task until its run's next write takes
        it over) and the `outcome` its tokens are resumed with, if its counts and its number
        of later tokens are still these; True for exactly one caller."""
        ...

    def abandon_task(
        self, triggered_id: str, effects: list[Effect] | None = None, stamp: str = ""
    ) -> bool:
        """Close the task whatever its counts (timed out, aborted); True if it was open."""
        ...

    def record_decision(
        self, triggered_id: str, decision: dict[str, str], effects: list[Effect], stamp: str
    ) -> bool:
        """Write a human decision on an open task that has none yet; True for exactly one
        caller. The task itself completes when the decision's `.finished` is counted."""
        ...

    def release_task(
        self, triggered_id: str, answer_deadline: str, effects: list[Effect], stamp: str
    ) -> TaskRecord | None:
        """Un-hold a held task (it is `released`: sent late) and start its answer deadline;
        None if it was not held."""
        ...

    def clear_task_effects(self, triggered_id: str, names: list[str]) -> None: ...

    def open_tasks(self, project: str, event_type: str) -> list[TaskRecord]: ...


class SequencingStore(RunStore, ScopeQueues, PauseFlags, TaskStore, Protocol):
    """All four on one table (the DynamoDB adapter implements them together)."""


class SliSource(Protocol):
    """A monitoring tool's SLI values (the built-in CloudWatch and Prometheus providers)."""

    def get_sli_values(
        self, request: SliRequest, queries: Mapping[str, object]
    ) -> list[IndicatorValue]:
        """One value per requested SLI, in the order of `request.indicators`."""
        ...

    def close(self) -> None:
        """Release what the source opened (HTTP connections)."""
        ...


class PrometheusAccess(BaseModel):
    """Where a project's Prometheus answers, and its credentials (from the project's secret)."""

    model_config = ConfigDict(frozen=True)

    url: str
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None


class Timers(Protocol):
    """Messages to the control plane itself, delivered later (a task's answer deadline)."""

    def schedule(self, message: dict[str, object], due: datetime) -> None:
        """Deliver `message` to the finisher at `due`, or earlier: the queue delays a message
        15 minutes at most, so the finisher schedules it again until `due` has come."""
        ...


class Workflows(Protocol):
    """Sequence state machines and their executions (Step Functions in AWS)."""

    def ensure_state_machine(self, name: str, definition: dict[str, object]) -> None:
        """Create the state machine, or update it when it exists."""
        ...

    def start(self, machine: str, execution_name: str, run: dict[str, object]) -> str:
        """Start `machine` with input `{"run": run}`; return the execution ARN. Starting the
        same execution name twice starts it once."""
        ...

    def complete_task(self, token: str, output: dict[str, object]) -> bool:
        """Resume the execution waiting on `token`; False when it no longer waits."""
        ...

    def stop(self, execution_arn: str, cause: str) -> None: ...

    def queue_url(self, name: str) -> str:
        """URL of a control-plane queue, for state machine definitions."""
        ...


class EvaluationStore(Protocol):
    """Quality-gate evaluations, pending get-sli requests and monitoring settings."""

    def put_pending(self, pending: PendingEvaluation) -> None: ...

    def get_pending(self, get_sli_id: str) -> PendingEvaluation | None: ...

    def delete_pending(self, get_sli_id: str) -> None: ...

    def put_evaluation(self, record: EvaluationRecord) -> bool:
        """Store a finished evaluation; False when it was stored before (a retry)."""
        ...

    def baselines(
        self, project: str, stage: str, service: str, include: BaselineFilter, limit: int
    ) -> list[EvaluationRecord]:
        """Up to `limit` earlier evaluations that count for `include`, newest first, invalidated
        ones left out: one Query."""
        ...

    def history(self, project: str, stage: str, service: str, limit: int) -> list[EvaluationRecord]:
        """The newest `limit` evaluations, invalidated ones included (and marked)."""
        ...

    def invalidate(self, evaluation_id: str) -> bool:
        """Leave an evaluation out of later baselines; False when there is no such evaluation."""
        ...

    def get_monitoring(self, project: str) -> MonitoringSettings | None: ...

    def put_monitoring(self, project: str, settings: MonitoringSettings) -> None: ...


class HostResolver(Protocol):
    """Names to addresses for the SSRF guard (the system resolver in AWS)."""

    def resolve(self, host: str) -> list[str]:
        """Every address of `host`; OSError when it cannot be resolved."""
        ...


class HttpSender(Protocol):
    """Sends one webhook request to an address the SSRF guard checked (httpx in AWS)."""

    def send(
        self,
        target: Target,
        request: OutgoingRequest,
        connect_timeout: float,
        read_timeout: float,
    ) -> HttpResponse:
        """Connect to `target.address`, never to a name resolved again; redirects are returned,
        not followed. SendFailed when no response came."""
        ...


class JournalEntry(BaseModel):
    """One request of one webhook delivery: claimed before it is sent, then its outcome."""

    model_config = ConfigDict(frozen=True)

    state: str  # "sending", "done" or "failed"
    response: object = None  # the answer kept for `.finished` (done)
    message: str = ""  # why it failed (failed)


class WebhookJournal(Protocol):
    """What a webhook delivery already sent, so a redelivery does not send it again where
    that would break Keptn's counting (chalicelib/services/webhooks/delivery.py)."""

    def claim(self, delivery: str, request: int) -> JournalEntry | None:
        """Mark request `request` of `delivery` as being sent; None when this call claimed it,
        else what an earlier attempt recorded."""
        ...

    def settle(self, delivery: str, request: int, entry: JournalEntry) -> None:
        """Record the outcome of a claimed request."""


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
