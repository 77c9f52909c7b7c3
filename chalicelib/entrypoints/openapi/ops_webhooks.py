"""The operations of the webhook routes (entrypoints/webhooks)."""

from __future__ import annotations

from chalicelib.domain.api.webhooks import WebhookList, WebhookRegistered, WebhookRegistration
from chalicelib.entrypoints.openapi.spec import Operation

TAG = "webhooks"

OPERATIONS = [
    Operation(
        "POST",
        "/v1/project/{project}/webhook",
        "Add a webhook to the project's, a stage's or a service's webhook.yaml (a new commit)",
        TAG,
        WebhookRegistered,
        status=201,
        body=WebhookRegistration,
        errors=(409,),
        description="409 when that scope has a webhook for the same event and URL already, or "
        "its webhook.yaml is v1alpha1, or the file kept changing under the registration (other "
        "commits came first five times in a row: try again). Registrations at the same moment "
        "all land.",
    ),
    Operation(
        "GET",
        "/v1/project/{project}/webhook",
        "Every webhook of the project, scope by scope",
        TAG,
        WebhookList,
    ),
]
