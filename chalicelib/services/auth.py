"""API tokens: issue them (stored as digests only) and check a presented one in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.domain.events import format_time
from chalicelib.errors import Forbidden, Unauthenticated
from chalicelib.ports import TokenRecord, TokenStore

TOKEN_PREFIX = "qm_"
# On a miss, look again only this long after the last read, so wrong tokens cannot flood DynamoDB.
MIN_RELOAD_SECONDS = 1.0


def digest(token: str) -> str:
    """SHA-256 suits here: tokens are 256-bit random, so no slow password hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store: TokenStore, name: str) -> str:
    """Create a token named `name` (replacing an older one of that name) and return it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.put_token(
        TokenRecord(name=name, digest=digest(token), created=format_time(datetime.now(UTC)))
    )
    return token


class TokenVerifier:
    """Checks `x-token` values. Digests are cached briefly so a warm Lambda does not read
    DynamoDB on every request; a new or revoked token takes effect within `cache_seconds`."""

    def __init__(
        self,
        store: TokenStore,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._records: list[TokenRecord] = []
        self._loaded_at: float | None = None

    def identify(self, token: str | None) -> str:
        """The name of the token's owner; 401 without a token, 403 with a wrong one."""
        if not token:
            raise Unauthenticated(
                "missing x-token header: send your API token as 'x-token: <token>'"
            )
        presented = digest(token)
        name = self._match(presented, self._records_cached())
        if (
            name is None
            and self._loaded_at is not None
            and self._clock() - self._loaded_at >= MIN_RELOAD_SECONDS
        ):
            # A token issued since the cache was filled must work at once, so look again.
            name = self._match(presented, self._records_fresh())
        if name is None:
            raise Forbidden("invalid x-token: the token is not known to this Quartermaster")
        return name

    @staticmethod
    def _match(presented: str, records: list[TokenRecord]) -> str | None:
        found: str | None = None
        for record in records:
            # Compare against every record, without stopping early, so timing reveals nothing.
            if hmac.compare_digest(presented, record.digest):
                found = record.name
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
