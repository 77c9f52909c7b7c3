"""The ports: what services need from the outside world. Adapters implement them; fakes too.

One module per concern; every port is importable from `chalicelib.ports`.
"""

from __future__ import annotations

from chalicelib.ports.core import (
    ConfigStore,
    EventBus,
    EventStore,
    SecretStore,
    TokenRecord,
    TokenStore,
)
from chalicelib.ports.deployments import (
    DeploymentStore,
    DeploymentTarget,
    ServiceStates,
    TargetContext,
)
from chalicelib.ports.evaluations import (
    EvaluationStore,
    PrometheusAccess,
    SliSource,
)
from chalicelib.ports.sequencing import (
    PauseFlags,
    RunStore,
    ScopeQueues,
    SequencingStore,
    TaskStore,
    Timers,
    Workflows,
)
from chalicelib.ports.uniform import (
    ApplyRequests,
    ContainerTasks,
    IntegrationStore,
    ProcessExit,
    ProcessRun,
    ProcessRunner,
    SubscriptionRules,
    UniformStore,
)
from chalicelib.ports.webhooks import (
    HostResolver,
    HttpSender,
    JournalEntry,
    WebhookJournal,
)

__all__ = [
    "ApplyRequests",
    "ConfigStore",
    "ContainerTasks",
    "DeploymentStore",
    "DeploymentTarget",
    "EvaluationStore",
    "EventBus",
    "EventStore",
    "HostResolver",
    "HttpSender",
    "IntegrationStore",
    "JournalEntry",
    "PauseFlags",
    "ProcessExit",
    "ProcessRun",
    "ProcessRunner",
    "PrometheusAccess",
    "RunStore",
    "ScopeQueues",
    "SecretStore",
    "SequencingStore",
    "ServiceStates",
    "SliSource",
    "SubscriptionRules",
    "TargetContext",
    "TaskStore",
    "Timers",
    "TokenRecord",
    "TokenStore",
    "UniformStore",
    "WebhookJournal",
    "Workflows",
]
