"""Approve and decline links in chat messages, and deciding through them.

A link is signed (chalicelib/domain/signed_links.py) with the deployment's key: the settings'
`approval_link_key`, or else a key kept in the secret store (name `approval-links`, scope
`quartermaster-internal`), created on first use. It is bound to one approval and one decision
and expires with the approval (its `expiresAt`), at the latest `approval_link_seconds` after it
was sent. Opening a link (GET) only shows what it would do: chat tools fetch links to preview
them, which must not decide. Confirming (POST) decides through the approval decision service,
recorded like any decision, by `approval-link`; exactly one decision counts, so a link works
once and a replayed link is refused.
"""

from __future__ import annotations

import contextlib
import secrets as token_source
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from chalicelib.domain.events import KeptnEvent, format_time, parse_time
from chalicelib.domain.secrets import Secret
from chalicelib.domain.signed_links import LinkClaims, sign
from chalicelib.engine.webhooks.chat import ApprovalLinks
from chalicelib.errors import Conflict
from chalicelib.ports import SecretStore

KEY_SECRET = "approval-links"
KEY_SCOPE = "quartermaster-internal"
LINK_PATH = "/approval-link/"
DECIDED_BY = "approval-link"


class LinkKey:
    """The signing key, read (or created) once per process."""

    def __init__(self, secrets: SecretStore, fixed: str = "") -> None:
        self._secrets = secrets
        self._key: bytes | None = fixed.encode() if fixed else None
        self._lock = Lock()

    def __call__(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = self._load()
            return self._key

    def _load(self) -> bytes:
        stored = self._secrets.read(KEY_SECRET, KEY_SCOPE)
        if stored is None:
            created = Secret(
                name=KEY_SECRET, scope=KEY_SCOPE, data={"key": token_source.token_urlsafe(32)}
            )
            try:
                self._secrets.create(created)
                return created.data["key"].encode()
            except Conflict:  # another process created it first: use theirs
                stored = self._secrets.read(KEY_SECRET, KEY_SCOPE)
        if stored is None or not stored.data.get("key"):
            raise RuntimeError(f"secret {KEY_SCOPE}/{KEY_SECRET} has no 'key'")
        return stored.data["key"].encode()


@dataclass
class LinkSigner:
    """Makes the links of an `approval.waiting` event (the executor's LinkMaker)."""

    key: Callable[[], bytes]
    public_url: str
    max_seconds: int
    clock: Callable[[], datetime]

    def links_for(self, waiting: KeptnEvent) -> ApprovalLinks | None:
        project, stage = waiting.project, waiting.stage
        if not (waiting.triggeredid and project and stage):
            return None
        expires = self.clock() + timedelta(seconds=self.max_seconds)
        deadline = waiting.data.get("expiresAt")
        if isinstance(deadline, str):
            with contextlib.suppress(ValueError):
                expires = min(expires, parse_time(deadline))
        base = self.public_url.rstrip("/") + LINK_PATH
        tokens = {
            decision: sign(
                LinkClaims(
                    approval=waiting.triggeredid,
                    project=project,
                    stage=stage,
                    service=waiting.service,
                    decision=decision,
                    expires=int(expires.timestamp()),
                ),
                self.key(),
            )
            for decision in ("approve", "decline")
        }
        return ApprovalLinks(
            approve=base + tokens["approve"],
            decline=base + tokens["decline"],
            expires=format_time(expires),
        )
