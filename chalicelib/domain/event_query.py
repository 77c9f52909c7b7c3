"""What a reader asks of the event store, and what it gets back: filters and pages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.events import KeptnEvent
from chalicelib.errors import InvalidInput


class EventQuery(BaseModel):
    """Filters of `GET /v1/event` and `GET /v1/event/type/{type}`; all are exact matches."""

    model_config = ConfigDict(frozen=True)

    keptn_context: str | None = None
    project: str | None = None
    stage: str | None = None
    service: str | None = None
    type: str | None = None
    source: str | None = None
    event_id: str | None = None
    triggered_id: str | None = None
    results: tuple[str, ...] = ()
    from_time: str | None = None
    before_time: str | None = None
    exclude_invalidated: bool = False
    # Only root events: the earliest event of each keptn context (Keptn's datastore rule).
    root: bool = False
    # Filled by the query service from the .invalidated events when exclude_invalidated is set.
    excluded_triggered_ids: frozenset[str] = frozenset()
    page_size: int = Field(default=20, ge=1, le=100)
    next_page_key: str | None = None

    def require_anchor(self) -> None:
        """Every read is a Query on a key: one of context, project or event id must be given."""
        if not (self.keptn_context or self.project or self.event_id):
            raise InvalidInput(
                "give at least one of keptnContext, project or eventID "
                "(for /event/type: a filter such as data.project:<project>)"
            )
        if self.root and not (self.keptn_context or self.project):
            raise InvalidInput(
                "root=true needs project or keptnContext: root events are kept per project"
            )


class EventPage(BaseModel):
    """One page of events, newest first."""

    events: list[KeptnEvent]
    next_page_key: str | None = None
    page_size: int = 0


def parse_keptn_filter(value: str) -> dict[str, tuple[str, ...]]:
    """Parse Keptn's `filter` query value: `data.project:x AND data.result:pass,warning`."""
    clauses: dict[str, tuple[str, ...]] = {}
    for clause in value.split(" AND "):
        clause = clause.strip()
        if not clause:
            continue
        key, sep, raw_values = clause.partition(":")
        if not sep or not key.strip() or not raw_values.strip():
            raise InvalidInput(
                f"filter clause '{clause}' must look like <field>:<value>[,<value>...], "
                "e.g. data.project:shop AND data.result:pass,warning"
            )
        values = tuple(v.strip() for v in raw_values.split(",") if v.strip())
        clauses[key.strip()] = values
    return clauses
