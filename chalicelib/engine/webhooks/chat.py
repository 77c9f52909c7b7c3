"""Chat messages for `format: slack | teams` requests (docs/webhooks.md, Notifications).

Slack's are incoming-webhook JSON with Block Kit (a header, facts, the change, buttons);
Microsoft Teams' are connector MessageCards (facts and OpenUri actions). An approval that waits
(`sh.keptn.event.approval.waiting`) shows the evaluation, the change to deploy and a summary of
the configuration diff, with approve and decline links when the deployment has a public URL; a
sequence's `.finished` says how it ended; any other event is shown by type and scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.gotemplate.values import print_value

APPROVAL_WAITING = "sh.keptn.event.approval.waiting"
MAX_FILES_SHOWN = 10
_COLOURS = {"pass": "2EB67D", "warning": "ECB22E", "fail": "E01E5A"}


@dataclass(frozen=True)
class ApprovalLinks:
    """Signed links deciding one approval (chalicelib/services/webhooks/approval_links.py)."""

    approve: str
    decline: str
    expires: str  # Keptn's time format


@dataclass(frozen=True)
class Message:
    title: str
    facts: tuple[tuple[str, str], ...]
    text: str
    colour: str
    actions: tuple[tuple[str, str], ...] = ()  # (label, url)
    footer: str = ""


def _scope(data: dict[str, Any]) -> tuple[str, str, str]:
    project, stage, service = (str(data.get(key) or "-") for key in ("project", "stage", "service"))
    return project, stage, service


def diff_summary(diff: Any) -> str:
    """One line per changed file, from `configurationDiff` (chalicelib/engine/config_diff.py)."""
    if not isinstance(diff, dict):
        return "No configuration diff."
    if diff.get("error"):
        return f"Configuration diff unavailable: {diff['error']}"
    files = [f for f in diff.get("files") or [] if isinstance(f, dict)]
    since = diff.get("fromCommit") or "nothing deployed yet"
    head = f"Configuration {since} → {diff.get('toCommit')}: "
    if not files:
        return head + "no file changed."
    lines = [head + f"{len(files) + int(diff.get('omittedFiles') or 0)} file(s) changed"]
    for entry in files[:MAX_FILES_SHOWN]:
        flags = [flag for flag in ("binary", "tooLarge", "truncated") if entry.get(flag)]
        note = f" ({', '.join(flags)})" if flags else ""
        lines.append(f"• {entry.get('uri')}: {entry.get('change')}{note}")
    hidden = len(files) - MAX_FILES_SHOWN + int(diff.get("omittedFiles") or 0)
    if hidden > 0:
        lines.append(f"• and {hidden} more")
    return "\n".join(lines)


def _approval(event: KeptnEvent, links: ApprovalLinks | None) -> Message:
    data = event.data
    project, stage, service = _scope(data)
    evaluation = data.get("evaluation") if isinstance(data.get("evaluation"), dict) else {}
    facts = [("Project", project), ("Stage", stage), ("Service", service)]
    if evaluation:
        score = evaluation.get("score")
        shown = f" (score {print_value(score)})" if score is not None else ""
        facts.append(("Evaluation", f"{evaluation.get('result', '-')}{shown}"))
    if data.get("result"):
        facts.append(("Previous result", str(data["result"])))
    change = data.get("configurationChange")
    values = change.get("values") if isinstance(change, dict) else None
    if isinstance(values, dict):
        facts.extend((f"Change: {key}", print_value(value)) for key, value in values.items())
    actions: tuple[tuple[str, str], ...] = ()
    if links is not None:
        actions = (("Approve", links.approve), ("Decline", links.decline))
        footer = f"The links work once and expire at {links.expires}."
    else:
        footer = (
            f"Decide with: qm approve|decline --project {project} --stage {stage} "
            f"--id {event.triggeredid}"
        )
    return Message(
        title=f"Approval waiting: {service} to {stage} ({project})",
        facts=tuple(facts),
        text=diff_summary(data.get("configurationDiff")),
        colour=_COLOURS["warning"],
        actions=actions,
        footer=footer,
    )


def _generic(event: KeptnEvent) -> Message:
    data = event.data
    project, stage, service = _scope(data)
    parsed = parse_event_type(event.type)
    result, status = str(data.get("result") or "-"), str(data.get("status") or "-")
    if parsed.kind is TypeKind.SEQUENCE and parsed.phase == Phase.FINISHED:
        ended = "failed" if result == "fail" or status in ("errored", "aborted") else "finished"
        title = f"Sequence {parsed.name} in {parsed.stage} {ended}: {service} ({project})"
    else:
        title = f"{event.type}: {service} in {stage} ({project})"
    facts = (("Project", project), ("Stage", stage), ("Service", service), ("Result", result))
    return Message(
        title=title,
        facts=(*facts, ("Status", status)),
        text=str(data.get("message") or ""),
        colour=_COLOURS.get(result, "808080"),
    )


def message_for(event: KeptnEvent, links: ApprovalLinks | None) -> Message:
    return _approval(event, links) if event.type == APPROVAL_WAITING else _generic(event)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: Message, context: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{name}*\n{_slack_escape(value)}"}
                for name, value in message.facts[:10]
            ],
        },
    ]
    if message.text:
        text = _slack_escape(message.text)[:2900]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if message.actions:
        styles = ("primary", "danger")
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
                    | ({"style": styles[n]} if n < len(styles) else {})
                    for n, (label, url) in enumerate(message.actions)
                ],
            }
        )
    footer = " · ".join(part for part in (message.footer, f"keptn context {context}") if part)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": message.title, "blocks": blocks}


def teams(message: Message, context: str) -> dict[str, Any]:
    section: dict[str, Any] = {"facts": [{"name": n, "value": v} for n, v in message.facts]}
    if message.text:
        section["text"] = message.text.replace("\n", "  \n")  # Teams' markdown line break
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": message.title,
        "themeColor": message.colour,
        "title": message.title,
        "sections": [section, {"text": f"{message.footer} keptn context {context}".strip()}],
    }
    if message.actions:
        card["potentialAction"] = [
            {"@type": "OpenUri", "name": label, "targets": [{"os": "default", "uri": url}]}
            for label, url in message.actions
        ]
    return card


def chat_body(format_name: str, event: KeptnEvent, links: ApprovalLinks | None) -> dict[str, Any]:
    """The JSON body of a `format:` request for `event`."""
    message = message_for(event, links)
    render = slack if format_name == "slack" else teams
    return render(message, event.shkeptncontext)
