"""What opening (GET) and confirming (POST) an approval link does, as pages for a browser.

Opening never decides: it checks the link and says what confirming would do. Confirming
decides through the approval decision service, as `approval-link`. A link that was altered,
has expired, or was used (the approval has its decision) gets a page that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.signed_links import InvalidLink, LinkClaims, LinkProblem, verify
from chalicelib.errors import Conflict, Gone, NotFound
from chalicelib.services.approvals.decisions import decide
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.webhooks.approval_links import DECIDED_BY

_REFUSALS = {
    LinkProblem.MALFORMED: (400, "Not an approval link", "This address is not a complete "
                            "approval link. Open the link from the message again."),
    LinkProblem.ALTERED: (403, "This link has been altered", "Its signature does not match "
                          "what it says, so it cannot decide anything."),
    LinkProblem.EXPIRED: (410, "This link has expired", "Approval links expire with their "
                          "approval. Decide with qm approve or qm decline instead."),
}  # fmt: skip
_VERBS = {"approve": ("Approve", "approved"), "decline": ("Decline", "declined")}


@dataclass(frozen=True)
class LinkPage:
    """A page to show: `confirm` is the button label when the page asks to confirm."""

    status: int
    title: str
    text: str
    confirm: str | None = None


def _what(claims: LinkClaims) -> str:
    service = f"service {claims.service} " if claims.service else ""
    return f"{service}in stage {claims.stage} of project {claims.project}"


def _checked(token: str, key: bytes, now: int) -> LinkClaims | LinkPage:
    try:
        return verify(token, key, now)
    except InvalidLink as invalid:
        status, title, text = _REFUSALS[invalid.problem]
        return LinkPage(status, title, text)


def preview(token: str, key: bytes, now: int, deps: SequencingDeps) -> LinkPage:
    """The page for GET: what confirming would do, or why the link cannot."""
    claims = _checked(token, key, now)
    if isinstance(claims, LinkPage):
        return claims
    verb = _VERBS[claims.decision][0]
    task = deps.tasks.get_task(claims.approval)
    if task is None:
        return LinkPage(404, "No such approval", f"Approval {claims.approval} does not exist.")
    if task.decision:
        earlier = task.decision
        return LinkPage(
            409,
            "Already decided",
            f"This approval was already decided: {earlier.get('decision')} by "
            f"{earlier.get('decidedBy')} at {earlier.get('decidedAt')}. A link works once.",
        )
    if not task.open:
        return LinkPage(410, "No longer open", "This approval expired or its sequence ended.")
    return LinkPage(200, f"{verb}?", f"{verb} the delivery of {_what(claims)}?", confirm=verb)


def confirm(token: str, key: bytes, now: int, deps: SequencingDeps) -> LinkPage:
    """The page for POST: the decision made, or why none was."""
    claims = _checked(token, key, now)
    if isinstance(claims, LinkPage):
        return claims
    try:
        decide(
            (claims.project, claims.stage, claims.service),
            claims.approval,
            {"decision": claims.decision, "comment": "decided through a signed approval link"},
            DECIDED_BY,
            deps,
        )
    except Conflict as conflict:
        return LinkPage(409, "This link was already used", conflict.message)
    except Gone as gone:
        return LinkPage(410, "No longer open", gone.message)
    except NotFound as missing:
        return LinkPage(404, "No such approval", missing.message)
    done = _VERBS[claims.decision][1]
    return LinkPage(200, f"Delivery {done}", f"The delivery of {_what(claims)} was {done}.")
