"""What each Lambda function touches: the per-function access table behind its IAM policy.

`ACCESS` says, per function, which tables (and indexes) it reads or writes and what else it does
(`Can`): publish on the bus, start, stop or resume runs, deploy state machines, secrets, metrics.
It is read from what the function's code really calls (chalicelib/entrypoints and the services and
adapters they reach). infra/policies.py turns each entry into a policy scoped by ARN to one
deployment; what follows from the HandlerSpec (its queues, the idempotency table) is added there
and needs no entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from infra.naming import API_HANDLER
from infra.tables import EVALUATION_INDEXES, EVENT_INDEXES

READ = ("dynamodb:GetItem", "dynamodb:Query")
WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    # TransactWriteItems has no IAM action of its own: each item needs its own action.
    "dynamodb:ConditionCheckItem",
)
BATCH_WRITE = ("dynamodb:BatchWriteItem",)
# A run read with one of its tasks, or a context's runs, in one consistent BatchGetItem.
BATCH_READ = ("dynamodb:BatchGetItem",)
# Powertools' DynamoDBPersistenceLayer: put the in-progress record (conditional), read it when
# the condition failed, mark it completed, delete it when the handler raised.
IDEMPOTENCY = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


@dataclass(frozen=True)
class TableAccess:
    """Actions on one table (`events`, `config` or `runs`) and the indexes it queries."""

    table: str
    actions: tuple[str, ...]
    indexes: tuple[str, ...] = ()


class Can(StrEnum):
    """What a function does beyond its tables, each a set of scoped statements."""

    PUBLISH = "publish"  # events:PutEvents on the deployment's bus
    START_RUNS = "start-runs"  # states:StartExecution on qm-<stage>-* state machines
    STOP_RUNS = "stop-runs"  # states:StopExecution on their executions
    RESUME_TASKS = "resume-tasks"  # states:SendTaskSuccess with a task token
    # Create/update state machines from a shipyard: states:Create/UpdateStateMachine,
    # iam:PassRole for the states role only, sqs:GetQueueUrl of the internal queues (the
    # machines send to them).
    DEPLOY_MACHINES = "deploy-machines"
    MANAGE_SECRETS = "manage-secrets"  # Secrets Manager under quartermaster/<stage>/
    READ_SECRETS = "read-secrets"  # secretsmanager:GetSecretValue under quartermaster/<stage>/
    # The approval links' signing key: read, or created on first use, in Secrets Manager
    # (quartermaster/<stage>/quartermaster-internal/approval-links).
    LINK_KEY = "link-key"
    # secretsmanager:GetSecretValue of the webhook scope only (quartermaster/<stage>/
    # keptn-webhook-service/*): the secrets webhook.yaml files may name.
    WEBHOOK_SECRETS = "webhook-secrets"
    # The CloudWatch SLI provider (chalicelib/adapters/sli_cloudwatch.py): GetMetricData.
    READ_METRICS = "read-metrics"
    # A task's answer deadline: sqs:SendMessage (delayed) to the control queue.
    SCHEDULE = "schedule"
    # Deployment targets, scoped to what the stage's QM_TARGET_* settings name
    # (infra/policies.py): Lambda functions and their aliases, the artifacts' buckets and
    # repositories, the roles of other accounts, EKS clusters.
    DEPLOY_TARGETS = "deploy-targets"


@dataclass(frozen=True)
class Access:
    tables: tuple[TableAccess, ...] = ()
    can: frozenset[Can] = field(default_factory=frozenset)


def _can(*abilities: Can) -> frozenset[Can]:
    return frozenset(abilities)


# What each function touches. Queue-fed handlers also get their queue, asynchronous ones their
# on-failure queue, and every function its log group: those follow from the HandlerSpec.
ACCESS: dict[str, Access] = {
    # Every route: events are queried (never written: the recorder stores them), projects,
    # resources and tokens read and written (resources in batches), runs read and controlled
    # (pause/resume/abort, approval decisions), shipyards compiled to state machines, secrets.
    API_HANDLER: Access(
        tables=(
            TableAccess("events", READ, tuple(EVENT_INDEXES)),
            TableAccess("config", READ + WRITE + BATCH_WRITE),
            TableAccess(
                "runs", READ + BATCH_READ + WRITE, ("by-context", "by-project", "open-tasks")
            ),
            # Evaluation history; monitoring settings read and written.
            TableAccess("evaluations", (*READ, "dynamodb:PutItem"), ("history",)),
            # What runs where, in the service bodies.
            TableAccess("deployments", READ),
        ),
        can=_can(
            Can.PUBLISH,
            Can.START_RUNS,
            Can.STOP_RUNS,
            Can.RESUME_TASKS,
            Can.DEPLOY_MACHINES,
            Can.MANAGE_SECRETS,
            Can.SCHEDULE,
        ),
    ),
    # Stores each event once (a conditional put); keeps what runs where: each service's newest
    # event of each type, and its deployment (reading a deployment's .triggered by id).
    "recorder": Access(
        tables=(
            TableAccess("events", ("dynamodb:PutItem", "dynamodb:Query"), ("by-id",)),
            TableAccess("deployments", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
        )
    ),
    # Reads the shipyard, creates, queues and starts runs (creating missing state machines),
    # refuses with a .finished event.
    "sequencer": Access(
        tables=(TableAccess("config", READ), TableAccess("runs", READ + WRITE)),
        can=_can(Can.PUBLISH, Can.START_RUNS, Can.DEPLOY_MACHINES, Can.SCHEDULE),
    ),
    # Counts answers and resumes the state machine when a task completes.
    "task-events": Access(
        tables=(TableAccess("runs", READ + WRITE),),
        can=_can(Can.RESUME_TASKS),
    ),
    # Stores the task token, sends <task>.triggered; stops a machine whose run already ended;
    # resumes a token a retried dispatch state brought for a task that closed meanwhile.
    "dispatcher": Access(
        tables=(TableAccess("config", READ), TableAccess("runs", READ + BATCH_READ + WRITE)),
        can=_can(Can.PUBLISH, Can.STOP_RUNS, Can.SCHEDULE, Can.RESUME_TASKS),
    ),
    # Ends runs, sends .finished, starts the next queued run, chains to the next stage; at a
    # task's answer deadline, times its run out, or keeps the execution's new token (resuming
    # it when the task closed meanwhile); carries out what an API call's decision left.
    "finisher": Access(
        tables=(TableAccess("config", READ), TableAccess("runs", READ + BATCH_READ + WRITE)),
        can=_can(
            Can.PUBLISH,
            Can.START_RUNS,
            Can.STOP_RUNS,
            Can.DEPLOY_MACHINES,
            Can.SCHEDULE,
            Can.RESUME_TASKS,
        ),
    ),
    # Ends a run whose execution failed, timed out or was stopped (as the finisher ends one).
    "reconciler": Access(
        tables=(TableAccess("config", READ), TableAccess("runs", READ + WRITE)),
        can=_can(Can.PUBLISH, Can.START_RUNS, Can.STOP_RUNS, Can.DEPLOY_MACHINES),
    ),
    # Answers approval.triggered; for a manual one, finds the last deployment's commit in the
    # events and diffs the service's files between it and the run's commit.
    "approval": Access(
        tables=(
            TableAccess("events", READ, ("by-scope-type", "by-id")),
            TableAccess("config", READ),
        ),
        can=_can(Can.PUBLISH),
    ),
    # Answers evaluation.triggered: reads slo.yaml, stores pending requests, evaluations and
    # monitoring settings, queries earlier evaluations through the baseline indexes.
    "lighthouse": Access(
        tables=(
            TableAccess("config", READ),
            TableAccess("evaluations", READ + WRITE, tuple(EVALUATION_INDEXES)),
        ),
        can=_can(Can.PUBLISH),
    ),
    # Reads sli.yaml and the project's Prometheus settings (and their secret), measures.
    "sli-provider": Access(
        tables=(TableAccess("config", READ), TableAccess("evaluations", ("dynamodb:GetItem",))),
        can=_can(Can.PUBLISH, Can.READ_METRICS, Can.READ_SECRETS),
    ),
    # Reads webhook.yaml files (and the project's newest commit), keeps its journal on the
    # idempotency table, reads secrets, publishes answers; signs approval links.
    "webhooks": Access(
        tables=(
            TableAccess("config", ("dynamodb:GetItem", "dynamodb:Query")),
            TableAccess(
                "idempotency", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            ),
        ),
        can=_can(Can.PUBLISH, Can.WEBHOOK_SECRETS, Can.LINK_KEY),
    ),
    # Deploys, releases and rolls back: reads target.yaml, records each task, changes the
    # target, starts canary executions (deploying their machines), answers on the bus; resumes
    # a canary step when its evaluation finishes.
    "deployer": Access(
        tables=(TableAccess("config", READ), TableAccess("deployments", READ + WRITE)),
        can=_can(
            Can.PUBLISH,
            Can.START_RUNS,
            Can.DEPLOY_MACHINES,
            Can.DEPLOY_TARGETS,
            Can.RESUME_TASKS,
        ),
    ),
    # A canary's steps: weights, evaluation requests (on the bus), promotion, rollback,
    # resuming the execution; the deployment's .finished at the end.
    "canary-steps": Access(
        tables=(TableAccess("deployments", READ + WRITE),),
        can=_can(Can.PUBLISH, Can.RESUME_TASKS, Can.DEPLOY_TARGETS),
    ),
    # A canary execution that failed: restores the target, ends the deployment errored.
    "canary-watch": Access(
        tables=(TableAccess("deployments", READ + WRITE),),
        can=_can(Can.PUBLISH, Can.DEPLOY_TARGETS),
    ),
}
