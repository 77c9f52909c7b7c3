"""Approve and decline links that need no API token: an HMAC-SHA256 over the one approval and
decision they stand for, and when they expire.

A token is `<claims>.<signature>`, both base64url without padding; the claims are compact JSON
`{"a": approval id, "p": project, "s": stage, "v": service, "d": decision, "e": expiry (Unix
seconds)}`. Changing any character changes the claims or breaks the signature, so an altered
link is refused; the signature is compared in constant time. That a link decides at most once
comes from the approval itself: exactly one decision counts (services/approvals/decisions.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum


class LinkProblem(StrEnum):
    MALFORMED = "malformed"
    ALTERED = "altered"
    EXPIRED = "expired"


class InvalidLink(Exception):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class LinkClaims:
    approval: str  # the approval.triggered id
    project: str
    stage: str
    service: str | None
    decision: str  # approve | decline
    expires: int  # Unix seconds

    def encode(self) -> bytes:
        claims = {
            "a": self.approval,
            "p": self.project,
            "s": self.stage,
            "v": self.service,
            "d": self.decision,
            "e": self.expires,
        }
        return json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, claims_part: str) -> str:
    return _b64(hmac.new(key, claims_part.encode("ascii"), hashlib.sha256).digest())


def sign(claims: LinkClaims, key: bytes) -> str:
    claims_part = _b64(claims.encode())
    return f"{claims_part}.{_signature(key, claims_part)}"


def verify(token: str, key: bytes, now: int) -> LinkClaims:
    """The claims of a genuine, unexpired token; InvalidLink saying what is wrong otherwise."""
    claims_part, dot, signature = token.partition(".")
    if not dot or not claims_part or not signature or len(token) > 2048:
        raise InvalidLink(LinkProblem.MALFORMED)
    if not hmac.compare_digest(_signature(key, claims_part), signature):
        raise InvalidLink(LinkProblem.ALTERED)
    try:
        raw = json.loads(_unb64(claims_part))
        claims = LinkClaims(
            approval=str(raw["a"]),
            project=str(raw["p"]),
            stage=str(raw["s"]),
            service=str(raw["v"]) if raw.get("v") is not None else None,
            decision=str(raw["d"]),
            expires=int(raw["e"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidLink(LinkProblem.MALFORMED) from error
    if claims.decision not in ("approve", "decline"):
        raise InvalidLink(LinkProblem.MALFORMED)
    if now >= claims.expires:
        raise InvalidLink(LinkProblem.EXPIRED)
    return claims
