"""API token use cases: create one (shown once), list them (never the token), revoke one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.durations import parse_go_duration
from chalicelib.domain.events import canonical_time, format_time
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.ports import TokenRecord, TokenStore
from chalicelib.services.auth import new_token

# Names travel in URL paths and in events (`qmsubmitter`): keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
NAME_RULE = (
    "must be 1 to 64 characters: letters, digits, '.', '_', '@' and '-', starting with a letter "
    "or digit"
)
_DAYS = re.compile(r"^([0-9]+)d$")
DURATION_EXAMPLES = "e.g. 30d, 12h, 90m"


@dataclass(frozen=True)
class CreatedToken:
    token: str
    record: TokenRecord


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidInput("field 'name' is required: the token's name, e.g. 'ci-pipeline'")
    if not _NAME.match(name):
        raise InvalidInput(f"token name '{name}' {NAME_RULE}")
    return name


def parse_expires_in(text: str) -> timedelta:
    """`30d` (days) or a Go duration (`12h`, `90m`); must be more than nothing."""
    days = _DAYS.match(text)
    if days:
        span = timedelta(days=int(days.group(1)))
    else:
        try:
            span = timedelta(seconds=parse_go_duration(text))
        except (ValueError, OverflowError) as error:
            raise InvalidInput(
                f"expiresIn '{text}' is not a duration ({DURATION_EXAMPLES})"
            ) from error
    if span <= timedelta(0):
        raise InvalidInput(f"expiresIn '{text}' must be longer than zero ({DURATION_EXAMPLES})")
    return span


def expiry(expires_in: object, expires_at: object, now: datetime) -> datetime | None:
    """When a token asked for with `expiresIn` or `expiresAt` (at most one) expires."""
    if expires_in is not None and expires_at is not None:
        raise InvalidInput("give either 'expiresIn' or 'expiresAt', not both")
    if expires_in is not None:
        if not isinstance(expires_in, str):
            raise InvalidInput(f"field 'expiresIn' must be a duration text ({DURATION_EXAMPLES})")
        try:
            return now + parse_expires_in(expires_in)
        except OverflowError as error:
            raise InvalidInput(f"expiresIn '{expires_in}' is too far in the future") from error
    if expires_at is not None:
        if not isinstance(expires_at, str):
            raise InvalidInput("field 'expiresAt' must be an RFC 3339 timestamp")
        moment = canonical_time(expires_at)
        if moment <= format_time(now):
            raise InvalidInput(f"expiresAt '{expires_at}' is not in the future")
        return datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return None


def create_token(
    store: TokenStore,
    name: object,
    expires: datetime | None,
    created_by: str,
    now: datetime | None = None,
) -> CreatedToken:
    """A new token; Conflict when the name is taken (a name is never silently reused)."""
    token, record = new_token(check_name(name), expires, created_by, now)
    store.create_token(record)
    return CreatedToken(token=token, record=record)


def list_tokens(store: TokenStore) -> list[TokenRecord]:
    return sorted(store.list_tokens(), key=lambda record: record.name)


def revoke_token(store: TokenStore, name: str, now: datetime) -> None:
    """Delete the token; refuse when no other usable token would be left (nobody could use
    the API any more)."""
    records = store.list_tokens()
    if not any(record.name == name for record in records):
        known = ", ".join(sorted(record.name for record in records)) or "none"
        raise NotFound(f"no token named '{name}'; tokens are: {known}")
    if not any(record.name != name and not is_expired(record, now) for record in records):
        raise Conflict(
            f"token '{name}' is the last usable one: create another first "
            "(qm create token NAME), or issue one with AWS access (qm aws token create)"
        )
    if not store.delete_token(name):
        raise NotFound(f"no token named '{name}' (it was revoked meanwhile)")


def is_expired(record: TokenRecord, now: datetime) -> bool:
    # Both in Keptn's fixed-width UTC format, so text order is time order.
    return record.expires is not None and record.expires <= format_time(now)


def describe(record: TokenRecord, now: datetime) -> dict[str, object]:
    """A token as the API shows it: never the token or its digest."""
    return {
        "name": record.name,
        "created": record.created,
        "createdBy": record.created_by,
        "expires": record.expires,
        "expired": is_expired(record, now),
    }
