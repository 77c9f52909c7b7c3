"""A webhook entry's requests, rendered for one event: templates over the event and `.env`,
v1alpha1 curl lines parsed, chat formats built. Nothing is sent here.

Keptn rendered the whole curl command line; here each part is rendered on its own (the URL,
each header, the payload, each word of a curl line), so what an event holds can never add an
option or a header. Secret values are masked (`***`) in every message this module writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from chalicelib.domain.curl_command import apply_options, parse_curl
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.gotemplate import TemplateError, parse
from chalicelib.domain.outgoing_request import OutgoingRequest
from chalicelib.domain.shell_words import split_words
from chalicelib.domain.webhook import Webhook, WebhookRequest, WebhookV1Beta1
from chalicelib.errors import InvalidInput

# What a `format:` request sends: the chat message for an event (chalicelib/engine/webhooks/chat).
ChatBuilder = Callable[[str, KeptnEvent], dict[str, Any]]


class RequestProblem(Exception):
    """A request that cannot be built; `message` names the request and the part."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Masking:
    """Replaces secret values with `***` in text that leaves the executor."""

    values: tuple[str, ...] = ()

    @classmethod
    def of(cls, env: Mapping[str, str]) -> Masking:
        return cls(tuple(sorted({v for v in env.values() if v}, key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return text

    def data(self, value: Any) -> Any:
        """`value` (a decoded JSON answer) with every string masked."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, dict):
            return {self(str(key)): self.data(item) for key, item in value.items()}
        return value


def template_data(event: KeptnEvent, env: Mapping[str, str]) -> dict[str, Any]:
    """What `{{.x}}` sees: the event as its JSON map, and `.env` from the entry's secrets."""
    return {**event.to_wire(), "env": dict(env)}


def _render(text: str, data: Mapping[str, Any], where: str, mask: Masking) -> str:
    try:
        return parse(text).render(data)
    except TemplateError as error:
        raise RequestProblem(f"{where}: {mask(error.message)}") from error


def _structured(
    spec: WebhookRequest,
    event: KeptnEvent,
    data: Mapping[str, Any],
    where: str,
    mask: Masking,
    chat: ChatBuilder,
) -> OutgoingRequest:
    headers = tuple(
        (
            _render(header.key, data, f"{where}, header {header.key}", mask),
            _render(header.value, data, f"{where}, header {header.key}", mask),
        )
        for header in spec.headers
    )
    request = OutgoingRequest(
        method=spec.method,
        url=_render(spec.url, data, f"{where}, url", mask),
        headers=headers,
        body=_render(spec.payload, data, f"{where}, payload", mask) if spec.payload else None,
    )
    if spec.format is not None:
        body = json.dumps(chat(spec.format, event))
        request = replace(request, body=body).with_header("Content-Type", "application/json")
    if spec.options.strip():
        try:
            words = [
                _render(word, data, f"{where}, options", mask) for word in split_words(spec.options)
            ]
            request = apply_options(words, request)
        except InvalidInput as error:
            raise RequestProblem(f"{where}, options: {mask(error.message)}") from error
    return request


def _curl(line: str, data: Mapping[str, Any], where: str, mask: Masking) -> OutgoingRequest:
    try:
        words = [_render(word, data, where, mask) for word in split_words(line)]
        return parse_curl(words)
    except InvalidInput as error:
        raise RequestProblem(f"{where}: {mask(error.message)}") from error


def build_requests(
    hook: Webhook, event: KeptnEvent, env: Mapping[str, str], chat: ChatBuilder
) -> Sequence[Callable[[], OutgoingRequest]]:
    """One builder per request, in order: each renders when called (a request after a failed
    one is never rendered, as Keptn stopped at the first failure); RequestProblem says why
    a request cannot be built."""
    data = template_data(event, env)
    mask = Masking.of(env)
    builders: list[Callable[[], OutgoingRequest]] = []
    for position, spec in enumerate(hook.requests):
        where = f"request {position + 1}"
        if isinstance(hook, WebhookV1Beta1):
            assert isinstance(spec, WebhookRequest)
            builders.append(partial(_structured, spec, event, data, where, mask, chat))
        else:
            assert isinstance(spec, str)
            builders.append(partial(_curl, spec, data, where, mask))
    return builders
