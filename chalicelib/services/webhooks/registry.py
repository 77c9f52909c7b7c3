"""Registering webhooks (`qm register webhook`, `POST /v1/project/{p}/webhook`) and listing
what is subscribed where (`qm get webhooks`, `GET /v1/project/{p}/webhook`).

Registering adds one v1beta1 entry to the scope's `webhook/webhook.yaml` (the project's, a
stage's or a service's in a stage) and writes it as a new commit, validated like any upload,
only while the file is as it was read: registrations at the same moment are each added again
to the file the other wrote (services/file_edits.py), so none is lost.
The file is written back from its parsed form, so comments in it are not kept.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from chalicelib.domain.api.webhooks import WebhookRegistration
from chalicelib.domain.projects import Commit, ResourceScope
from chalicelib.domain.webhook import V1BETA1, WebhookConfig, WebhookV1Beta1
from chalicelib.domain.yamldoc import parse_document
from chalicelib.errors import Conflict, InvalidInput
from chalicelib.ports import ConfigStore
from chalicelib.services.bodies import parse_body
from chalicelib.services.file_edits import edit_until_written
from chalicelib.services.projects import get_project
from chalicelib.services.resources import check_scope, write_files
from chalicelib.services.webhooks.lookup import WEBHOOK_URI


def _scope(project: str, registration: WebhookRegistration) -> ResourceScope:
    if registration.service is not None and registration.stage is None:
        raise InvalidInput("field 'service' needs 'stage': a service's file is per stage")
    return ResourceScope(project=project, stage=registration.stage, service=registration.service)


def _entry(registration: WebhookRegistration) -> dict[str, Any]:
    """The webhook.yaml entry a registration asks for, in Keptn's spelling."""
    task, event_type = registration.task, registration.type
    if (task is None) == (event_type is None):
        raise InvalidInput(
            "give either 'task' (answers sh.keptn.event.<task>.triggered) or 'type' (any "
            "event type, e.g. sh.keptn.event.approval.waiting)"
        )
    if task is not None and (not task or "." in task):
        raise InvalidInput(f"field 'task' '{task}' must be a task name such as test")
    request: dict[str, Any] = {"url": registration.url, "method": registration.method}
    if registration.headers:
        request["headers"] = [{"key": k, "value": v} for k, v in registration.headers.items()]
    for name in ("payload", "options", "format"):
        if getattr(registration, name) is not None:
            request[name] = getattr(registration, name)
    entry: dict[str, Any] = {
        "type": event_type or f"sh.keptn.event.{task}.triggered",
        # A registered webhook answers its task unless the receiver says it will.
        "sendFinished": registration.send_finished,
    }
    if registration.send_started is not None:
        entry["sendStarted"] = registration.send_started
    if registration.results:
        entry["results"] = list(registration.results)
    if registration.secrets:
        entry["envFrom"] = [
            {"name": use.name, "secretRef": {"name": use.secret, "key": use.key}}
            for use in registration.secrets
        ]
    entry["requests"] = [request]
    return entry


def _current(scope: ResourceScope, config: ConfigStore) -> tuple[dict[str, Any], str | None]:
    """The scope's webhook.yaml as a document, and the version read (None: there is none)."""
    resource = config.get_resource(scope, WEBHOOK_URI)
    if resource is None:
        empty = {
            "apiVersion": V1BETA1,
            "kind": "WebhookConfig",
            "metadata": {"name": "webhook-configuration"},
            "spec": {"webhooks": []},
        }
        return empty, None
    parsed = parse_document(resource.content.decode("utf-8"), WebhookConfig, WEBHOOK_URI)
    if parsed.root.api_version != V1BETA1:
        raise Conflict(
            f"{WEBHOOK_URI} of {scope.describe()} is {parsed.root.api_version} (curl command "
            "lines); registering adds v1beta1 entries: convert the file, or edit it and upload "
            "it with qm add-resource"
        )
    dumped: dict[str, Any] = parsed.root.model_dump(by_alias=True, exclude_defaults=True)
    dumped.setdefault("metadata", {"name": "webhook-configuration"})
    return dumped, resource.version


def register(
    project: str, body: dict[str, Any], author: str, config: ConfigStore
) -> dict[str, Any]:
    registration = parse_body(WebhookRegistration, body)
    scope = _scope(project, registration)
    check_scope(scope, config)
    entry = _entry(registration)
    try:
        parse_body(WebhookV1Beta1, entry)
    except InvalidInput as error:
        raise InvalidInput(f"webhook: {error.message}") from error
    commit = edit_until_written(lambda: _add(scope, entry, author, config))
    return {
        "project": project,
        "stage": scope.stage,
        "service": scope.service,
        "commit": commit.id,
        "webhook": entry,
    }


def _add(scope: ResourceScope, entry: dict[str, Any], author: str, config: ConfigStore) -> Commit:
    """Add `entry` to the scope's file as it is now; ResourceChanged if it changes meanwhile."""
    document, read = _current(scope, config)
    hooks: list[dict[str, Any]] = document["spec"]["webhooks"]
    for existing in hooks:
        urls = [r.get("url") for r in existing.get("requests", [])]
        if existing.get("type") == entry["type"] and entry["requests"][0]["url"] in urls:
            raise Conflict(
                f"{scope.describe()} already has a webhook for {entry['type']} to "
                f"{entry['requests'][0]['url']}"
            )
    hooks.append(entry)
    text = yaml.safe_dump(document, sort_keys=False)
    return write_files(scope, [(WEBHOOK_URI, text.encode())], author, config, {WEBHOOK_URI: read})


def _rows(scope: ResourceScope, config: ConfigStore) -> list[dict[str, Any]]:
    resource = config.get_resource(scope, WEBHOOK_URI)
    if resource is None:
        return []
    where = {"stage": scope.stage, "service": scope.service, "version": resource.version}
    try:
        parsed = parse_document(
            resource.content.decode("utf-8", "replace"), WebhookConfig, WEBHOOK_URI
        )
    except (InvalidInput, ValidationError) as error:
        message = getattr(error, "message", str(error))
        return [where | {"error": f"{WEBHOOK_URI} is not valid and is skipped: {message}"}]
    rows = []
    for hook in parsed.webhooks:
        targets = [r.url if not isinstance(r, str) else r for r in hook.requests]
        rows.append(
            where
            | {
                "type": hook.type,
                "subscriptionID": hook.subscription_id,
                "sendStarted": hook.send_started,
                "sendFinished": hook.send_finished,
                "results": list(hook.results),
                "requests": targets,
            }
        )
    return rows


def list_webhooks(project: str, config: ConfigStore) -> list[dict[str, Any]]:
    """Every webhook entry of the project, scope by scope (project, stages, services)."""
    record = get_project(project, config)
    services = [service.name for service in config.list_services(project)]
    rows = _rows(ResourceScope(project=project), config)
    for stage in record.stages:
        rows += _rows(ResourceScope(project=project, stage=stage), config)
        for service in services:
            rows += _rows(ResourceScope(project=project, stage=stage, service=service), config)
    return rows
