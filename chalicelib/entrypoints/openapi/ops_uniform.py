"""The operations of a project's uniform (http_uniform) and of Keptn's integration API
(http_integrations)."""

from __future__ import annotations

from chalicelib.domain.api.common import EmptyBody
from chalicelib.domain.api.uniform import (
    CreateLogsBody,
    EventSubscriptionBody,
    IdBody,
    IntegrationBody,
    IntegrationList,
    LogsPage,
    SubscriptionList,
    UniformApplied,
    UniformDeleted,
    UniformEdit,
    UniformRequest,
    UniformState,
)
from chalicelib.entrypoints.openapi.spec import Operation, Query, integer

TAG = "uniform"
UNIFORM = "/v1/project/{project}/uniform"
REGISTRATION = "/v1/uniform/registration"
ONE = REGISTRATION + "/{integration_id}"
SUBSCRIPTIONS = ONE + "/subscription"
SUBSCRIPTION = SUBSCRIPTIONS + "/{subscription_id}"
TIME = "an RFC 3339 timestamp, e.g. 2026-05-02T10:00:00.000Z"
LOG_FILTERS = (
    Query("integrationId", "only this integration's entries"),
    Query("fromTime", f"entries at or after this time: {TIME}"),
    Query("beforeTime", f"entries before this time: {TIME}"),
)

OPERATIONS = [
    Operation(
        "PUT",
        UNIFORM,
        "Apply a uniform: commit it, then the bus's rules follow",
        TAG,
        UniformApplied,
        body=UniformRequest,
        description="400 names every problem (the file's lines, a selector that can never "
        "match, a kind this deployment cannot run). The answer lists the shipyard's tasks "
        "nothing would carry out; the rules follow within seconds (GET shows the apply).",
    ),
    Operation("GET", UNIFORM, "What is subscribed to what", TAG, UniformState),
    Operation(
        "PATCH",
        UNIFORM,
        "Edit the uniform: task+=service, task-=service, task=service",
        TAG,
        UniformApplied,
        body=UniformEdit,
        errors=(409,),
        description="400 for an edit that is ambiguous or names what does not exist, with "
        "the fix; 404 when the project has no uniform. The edited uniform is applied as a new "
        "commit (the file is written again: comments are not kept; its history keeps them). "
        "Edits at the same moment all land; 409 when uniform.yaml kept changing under the "
        "edit (other commits came first five times in a row: try again).",
    ),
    Operation("DELETE", UNIFORM, "Remove the uniform and its rules", TAG, UniformDeleted),
    Operation(
        "POST",
        REGISTRATION,
        "Register an integration (201 new, 200 registered before)",
        TAG,
        IdBody,
        status=201,
        also=((200, "registered before: its id (its versions and last-seen time updated)"),),
        body=IntegrationBody,
        description="The id is the SHA-1 of name-namespace-hostname, as Keptn's. A second "
        "registration of that name and namespace answers 200 with its id and keeps its "
        "subscriptions.",
    ),
    Operation(
        "GET",
        REGISTRATION,
        "List integrations",
        TAG,
        IntegrationList,
        query=(
            Query("id", "only this integration"),
            Query("name", "only integrations of this name"),
            Query("project", "only those subscribed for this project"),
            Query("stage", "only those subscribed for this stage"),
            Query("service", "only those subscribed for this service"),
        ),
    ),
    Operation("DELETE", ONE, "Unregister an integration", TAG, EmptyBody),
    Operation(
        "PUT",
        ONE + "/ping",
        "Heartbeat: last seen now; answers the integration",
        TAG,
        IntegrationBody,
    ),
    Operation("GET", SUBSCRIPTIONS, "An integration's subscriptions", TAG, SubscriptionList),
    Operation(
        "POST",
        SUBSCRIPTIONS,
        "Add a subscription",
        TAG,
        IdBody,
        status=201,
        body=EventSubscriptionBody,
    ),
    Operation("GET", SUBSCRIPTION, "One subscription", TAG, EventSubscriptionBody),
    Operation(
        "PUT",
        SUBSCRIPTION,
        "Update or create a subscription",
        TAG,
        IdBody,
        status=201,
        body=EventSubscriptionBody,
    ),
    Operation("DELETE", SUBSCRIPTION, "Delete a subscription", TAG, EmptyBody),
    Operation(
        "POST",
        "/v1/log",
        "Add error log entries",
        TAG,
        EmptyBody,
        body=CreateLogsBody,
        description="At most 100 entries per request; an entry without a time gets the "
        "receive time.",
    ),
    Operation(
        "GET",
        "/v1/log",
        "Read the error log, newest first",
        TAG,
        LogsPage,
        query=(
            *LOG_FILTERS,
            Query("pageSize", "entries per page", integer(1, 100, 20)),
            Query("nextPageKey", "the entry to start at (0: the newest)", integer(0, 1_000_000, 0)),
        ),
    ),
    Operation("DELETE", "/v1/log", "Delete error log entries", TAG, EmptyBody, query=LOG_FILTERS),
]
