"""Chat messages (Slack and Teams) and the signed approval links they carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.signed_links import InvalidLink, LinkClaims, LinkProblem, sign, verify
from chalicelib.engine.webhooks.chat import chat_body, diff_summary
from chalicelib.services.webhooks.approval_links import KEY_SCOPE, KEY_SECRET, LinkKey, LinkSigner
from tests.fakes_webhooks import MemorySecrets

NOW = datetime(2026, 5, 2, 10, 0, tzinfo=UTC)
WAITING = KeptnEvent(
    id="w1",
    source="approval-service",
    type="sh.keptn.event.approval.waiting",
    time="2026-05-02T10:00:00.000Z",
    shkeptncontext="ctx-1",
    triggeredid="approval-1",
    data={
        "project": "shop",
        "stage": "production",
        "service": "cart",
        "result": "pass",
        "evaluation": {"result": "pass", "score": 95},
        "configurationChange": {"values": {"image": "cart:2"}},
        "expiresAt": "2026-05-03T10:00:00.000Z",
        "configurationDiff": {
            "fromCommit": "000000000004",
            "toCommit": "000000000007",
            "files": [
                {"uri": "values.yaml", "change": "changed", "diff": "..."},
                {"uri": "chart.tgz", "change": "changed", "binary": True},
            ],
            "truncated": False,
        },
    },
)


def signer(max_seconds: int = 7 * 24 * 3600) -> LinkSigner:
    return LinkSigner(lambda: b"k" * 32, "https://qm.example/api/", max_seconds, lambda: NOW)


def test_the_approval_message_shows_evaluation_change_diff_and_links_for_slack() -> None:
    links = signer().links_for(WAITING)
    assert links is not None
    body = chat_body("slack", WAITING, links)
    assert body["text"] == "Approval waiting: cart to production (shop)"
    fields = [
        f["text"] for b in body["blocks"] if b["type"] == "section" for f in b.get("fields", [])
    ]
    assert "*Evaluation*\npass (score 95)" in fields
    assert "*Change: image*\ncart:2" in fields
    texts = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section" and "text" in b]
    assert texts == [
        "Configuration 000000000004 → 000000000007: 2 file(s) changed\n"
        "• values.yaml: changed\n• chart.tgz: changed (binary)"
    ]
    (actions,) = [b for b in body["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["style"]) for e in actions["elements"]] == [
        ("Approve", "primary"),
        ("Decline", "danger"),
    ]
    assert actions["elements"][0]["url"].startswith("https://qm.example/api/approval-link/")
    assert "expire at 2026-05-03T10:00:00.000Z" in str(body["blocks"][-1])


def test_teams_gets_a_message_card_with_open_uri_actions() -> None:
    card = chat_body("teams", WAITING, signer().links_for(WAITING))
    assert card["@type"] == "MessageCard"
    assert {"name": "Evaluation", "value": "pass (score 95)"} in card["sections"][0]["facts"]
    assert [a["name"] for a in card["potentialAction"]] == ["Approve", "Decline"]
    assert card["potentialAction"][0]["targets"][0]["uri"].startswith("https://qm.example/")


def test_without_a_public_url_the_message_says_how_to_decide() -> None:
    body = chat_body("slack", WAITING, None)
    assert not [b for b in body["blocks"] if b["type"] == "actions"]
    assert "qm approve|decline --project shop --stage production --id approval-1" in str(body)


def test_a_failed_sequence_message() -> None:
    failed = WAITING.model_copy(
        update={
            "type": "sh.keptn.event.production.delivery.finished",
            "data": {"project": "shop", "stage": "production", "service": "cart",
                     "result": "fail", "status": "errored", "message": "deployment failed"},
        }
    )  # fmt: skip
    body = chat_body("slack", failed, None)
    assert body["text"] == "Sequence delivery in production failed: cart (shop)"
    assert "deployment failed" in str(body["blocks"])


def test_a_diff_that_could_not_be_computed_says_why() -> None:
    assert diff_summary({"toCommit": "7", "error": "no gitcommitid"}) == (
        "Configuration diff unavailable: no gitcommitid"
    )


def claims(expires: datetime, decision: str = "approve") -> LinkClaims:
    return LinkClaims(
        "approval-1", "shop", "production", "cart", decision, int(expires.timestamp())
    )


def test_a_link_verifies_and_any_change_is_refused() -> None:
    key = b"k" * 32
    token = sign(claims(NOW + timedelta(hours=1)), key)
    now = int(NOW.timestamp())
    assert verify(token, key, now).decision == "approve"
    body, signature = token.split(".")
    tampered = sign(claims(NOW + timedelta(hours=1), "decline"), key).split(".")[0]
    for altered, problem in [
        (f"{tampered}.{signature}", LinkProblem.ALTERED),  # decline, with approve's signature
        (f"{body}.{signature[:-2]}AA", LinkProblem.ALTERED),
        (token, LinkProblem.ALTERED),  # another deployment's key
        ("garbage", LinkProblem.MALFORMED),
    ]:
        with pytest.raises(InvalidLink) as refused:
            verify(altered, key if altered != token else b"other" * 8, now)
        assert refused.value.problem is problem
    with pytest.raises(InvalidLink) as expired:
        verify(token, key, now + 3600)
    assert expired.value.problem is LinkProblem.EXPIRED


def test_links_expire_with_the_approval_or_after_the_longest_lifetime() -> None:
    links = signer().links_for(WAITING)
    assert links is not None
    assert links.expires == "2026-05-03T10:00:00.000Z"
    short = signer(max_seconds=600).links_for(WAITING)
    assert short is not None
    assert short.expires == "2026-05-02T10:10:00.000Z"


def test_the_key_is_created_once_in_the_secret_store_and_reused() -> None:
    secrets = MemorySecrets()
    first = LinkKey(secrets)()
    assert len(first) >= 32
    assert secrets.read(KEY_SECRET, KEY_SCOPE) is not None
    assert LinkKey(secrets)() == first  # another process reads the same key
    assert LinkKey(secrets, fixed="from-settings")() == b"from-settings"
