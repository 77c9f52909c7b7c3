"""Fakes of the webhook executor's ports: a scripted resolver, a recording sender, an
in-memory journal and secret store; and a WebhookDeps built from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from chalicelib.domain.address_guard import GuardPolicy, Target
from chalicelib.domain.outgoing_request import HttpResponse, OutgoingRequest
from chalicelib.domain.projects import ProjectRecord
from chalicelib.domain.secrets import Secret, SecretSummary
from chalicelib.errors import Conflict, NotFound
from chalicelib.ports import JournalEntry
from chalicelib.services.webhooks.common import HttpLimits, WebhookDeps
from tests.fakes import FakeBus, FakeConfigStore


class ScriptedResolver:
    """Answers each name from a list of answers, one per call (the last one repeats)."""

    def __init__(self, answers: Mapping[str, Sequence[Sequence[str]]] | None = None) -> None:
        self.answers = dict(answers or {})
        self.calls: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.calls.append(host)
        script = self.answers.get(host)
        if not script:
            raise OSError(f"no such host: {host}")
        index = min(self.calls.count(host) - 1, len(script) - 1)
        return list(script[index])


class RecordingSender:
    """Answers with `reply(target, request)`; records every (target, request) sent."""

    def __init__(self, reply: Callable[[Target, OutgoingRequest], HttpResponse] | None = None):
        self.reply = reply or (lambda target, request: HttpResponse(200, (), b"{}"))
        self.sent: list[tuple[Target, OutgoingRequest]] = []

    def send(
        self, target: Target, request: OutgoingRequest, connect_timeout: float, read_timeout: float
    ) -> HttpResponse:
        self.sent.append((target, request))
        return self.reply(target, request)


class MemoryJournal:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], JournalEntry] = {}

    def claim(self, delivery: str, request: int) -> JournalEntry | None:
        found = self.entries.get((delivery, request))
        if found is None:
            self.entries[(delivery, request)] = JournalEntry(state="sending")
        return found

    def settle(self, delivery: str, request: int, entry: JournalEntry) -> None:
        self.entries[(delivery, request)] = entry


class MemorySecrets:
    def __init__(self, *secrets: Secret) -> None:
        self.secrets = {(s.name, s.scope): s for s in secrets}

    def create(self, secret: Secret) -> None:
        if (secret.name, secret.scope) in self.secrets:
            raise Conflict("exists")
        self.secrets[(secret.name, secret.scope)] = secret

    def update(self, secret: Secret) -> None:
        if (secret.name, secret.scope) not in self.secrets:
            raise NotFound("missing")
        self.secrets[(secret.name, secret.scope)] = secret

    def delete(self, name: str, scope: str) -> None:
        self.secrets.pop((name, scope))

    def list(self) -> list[SecretSummary]:
        return [
            SecretSummary(name=s.name, scope=s.scope, keys=tuple(s.data))
            for s in self.secrets.values()
        ]

    def read(self, name: str, scope: str) -> Secret | None:
        return self.secrets.get((name, scope))


def webhook_deps(
    *,
    resolver: ScriptedResolver | None = None,
    sender: object | None = None,
    allow: Sequence[str] = (),
    deny: Sequence[str] = (),
    secrets: MemorySecrets | None = None,
    config: FakeConfigStore | None = None,
    limits: HttpLimits | None = None,
) -> WebhookDeps:
    """Deps on fakes; the real httpx sender and system resolver unless given."""
    from chalicelib.adapters.http_sender import DnsResolver, HttpxSender

    return WebhookDeps(
        config=config or FakeConfigStore(),
        secrets=secrets or MemorySecrets(),
        bus=FakeBus(),
        journal=MemoryJournal(),
        sender=sender or HttpxSender(1024 * 1024),  # type: ignore[arg-type]
        resolver=resolver or DnsResolver(),
        policy=GuardPolicy.from_lists(list(allow), list(deny)),
        clock=lambda: datetime(2026, 5, 2, 10, 0, tzinfo=UTC),
        limits=limits
        or HttpLimits(connect_timeout=2, read_timeout=5, retries=2, backoff_seconds=0),
        sleep=lambda seconds: None,
    )


def project_record(name: str = "shop", stages: tuple[str, ...] = ("dev",)) -> ProjectRecord:
    """A project as webhook tests need one: its stages matter, its shipyard does not."""
    return ProjectRecord(
        name=name,
        shipyard="{}",
        shipyard_version="spec.keptn.sh/0.2.3",
        stages=stages,
        creation_date="2026-05-01T00:00:00.000Z",
    )


def config_with_project(name: str = "shop", stages: tuple[str, ...] = ("dev",)) -> FakeConfigStore:
    config = FakeConfigStore()
    config.create_project(project_record(name, stages), "test")
    return config
