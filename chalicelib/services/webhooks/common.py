"""What the webhook services need (built by chalicelib.bootstrap.webhook_deps)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chalicelib.domain.address_guard import GuardPolicy
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.engine.webhooks.chat import ApprovalLinks
from chalicelib.ports import (
    ConfigStore,
    EventBus,
    HostResolver,
    HttpSender,
    SecretStore,
    WebhookJournal,
)
from chalicelib.services.webhooks.lookup import WebhookFiles


class LinkMaker(Protocol):
    """Approve and decline links for the approval an `approval.waiting` event is about."""

    def links_for(self, waiting: KeptnEvent) -> ApprovalLinks | None: ...


# Keptn's docs: webhook secrets live in this scope; no other scope is read.
WEBHOOK_SECRET_SCOPE = "keptn-webhook-service"


@dataclass(frozen=True)
class HttpLimits:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff_seconds: float = 0.5


@dataclass
class WebhookDeps:
    config: ConfigStore
    secrets: SecretStore
    bus: EventBus
    journal: WebhookJournal
    sender: HttpSender
    resolver: HostResolver
    policy: GuardPolicy
    clock: Callable[[], datetime]
    limits: HttpLimits = field(default_factory=HttpLimits)
    # Signs approve/decline links for chat messages; None when the deployment has no public
    # URL (messages then say how to decide with qm).
    links: LinkMaker | None = None
    sleep: Callable[[float], None] = time.sleep
    # The process's cache of webhook files per scope and commit.
    files: WebhookFiles = field(default_factory=WebhookFiles)

    def now(self) -> str:
        return format_time(self.clock())
