"""API tokens: issue them (stored as digests only) and check a presented one in constant time,
refusing expired ones and slowing clients that keep failing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.domain.events import format_time
from chalicelib.errors import Forbidden, TooManyRequests, Unauthenticated
from chalicelib.ports import TokenRecord, TokenStore
from chalicelib.services.failed_auth import FailureLimiter

TOKEN_PREFIX = "qm_"
# On a miss, look again only this long after the last read, so wrong tokens cannot flood DynamoDB.
MIN_RELOAD_SECONDS = 1.0


def digest(token: str) -> str:
    """SHA-256 suits here: tokens are 256-bit random, so no slow password hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(
    name: str,
    expires: datetime | None = None,
    created_by: str = "",
    now: datetime | None = None,
) -> tuple[str, TokenRecord]:
    """A fresh token and the record to store for it (its digest, never the token); `now` is
    its creation time (the same instant its expiry was computed from)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        name=name,
        digest=digest(token),
        created=format_time(now or datetime.now(UTC)),
        expires=format_time(expires) if expires is not None else None,
        created_by=created_by,
    )
    return token, record


def issue_token(store: TokenStore, name: str) -> str:
    """Create a token named `name` (replacing an older one of that name) and return it once."""
    token, record = new_token(name)
    store.put_token(record)
    return token


def utc_now() -> datetime:
    return datetime.now(UTC)


class TokenVerifier:
    """Checks `x-token` values. Digests are cached briefly so a warm Lambda does not read
    DynamoDB on every request; a new token works at once, a revoked one stops working within
    `cache_seconds` (at once in the process that revoked it: `forget`)."""

    def __init__(
        self,
        store: TokenStore,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
        limiter: FailureLimiter | None = None,
    ) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._now = now
        self._limiter = limiter or FailureLimiter(clock=clock)
        self._records: list[TokenRecord] = []
        self._loaded_at: float | None = None

    def identify(self, token: str | None, client: str = "") -> str:
        """The name of the token's owner; 401 without a token, 403 with a wrong or expired one,
        429 when `client` (its source IP) has failed too often (a valid token always passes)."""
        try:
            return self._identify(token)
        except (Unauthenticated, Forbidden) as refused:
            wait = self._limiter.failed(client)
            if wait:
                raise TooManyRequests(
                    "too many failed authentications from this client; retry after "
                    f"{wait} s with a valid x-token",
                    retry_after=wait,
                ) from refused
            raise

    def forget(self) -> None:
        """Drop the cached digests: the next request reads the store (after a revocation)."""
        self._records = []
        self._loaded_at = None

    def _identify(self, token: str | None) -> str:
        if not token:
            raise Unauthenticated(
                "missing x-token header: send your API token as 'x-token: <token>'"
            )
        presented = digest(token)
        record = self._match(presented, self._records_cached())
        if (
            record is None
            and self._loaded_at is not None
            and self._clock() - self._loaded_at >= MIN_RELOAD_SECONDS
        ):
            # A token issued since the cache was filled must work at once, so look again.
            record = self._match(presented, self._records_fresh())
        if record is None:
            raise Forbidden("invalid x-token: the token is not known to this Quartermaster")
        if record.expires is not None and record.expires <= format_time(self._now()):
            # Both in Keptn's fixed-width UTC format, so text order is time order.
            raise Forbidden(
                f"invalid x-token: the token '{record.name}' expired at {record.expires}; "
                "ask for a new one (qm create token NAME)"
            )
        return record.name

    @staticmethod
    def _match(presented: str, records: list[TokenRecord]) -> TokenRecord | None:
        found: TokenRecord | None = None
        for record in records:
            # Compare against every record, without stopping early, so timing reveals nothing.
            if hmac.compare_digest(presented, record.digest):
                found = record
        return found

    def _records_cached(self) -> list[TokenRecord]:
        now = self._clock()
        if self._loaded_at is None or now - self._loaded_at > self._cache_seconds:
            return self._records_fresh()
        return self._records

    def _records_fresh(self) -> list[TokenRecord]:
        self._records = self._store.list_tokens()
        self._loaded_at = self._clock()
        return self._records
