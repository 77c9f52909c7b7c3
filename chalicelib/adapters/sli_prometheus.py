"""SLI provider on Prometheus: one instant query per SLI at the window's end, over the HTTP API.

Every message it writes (the SLI's `message`, DependencyFailure) has the user-info of any URL in
it removed: messages travel in get-sli.finished, are stored and are served by the API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain import strict_json
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.domain.urls import without_userinfo
from chalicelib.engine.lighthouse.models import IndicatorValue
from chalicelib.errors import DependencyFailure, InvalidInput

if TYPE_CHECKING:
    import httpx

QUERY_PATH = "/api/v1/query"
_BODY_EXCERPT = 200


class PrometheusSliProvider:
    """Runs each SLI's PromQL (placeholders filled in) as an instant query at the window's end.

    One bad SLI gives that SLI `success: false` with the reason; only a server that does not
    answer at all raises DependencyFailure.
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        bearer_token: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        if bearer_token and (username or password):
            raise InvalidInput(
                "Prometheus SLI provider: give either a username and password (basic auth) "
                "or a bearer token, not both"
            )
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput(
                f"Prometheus SLI provider: base URL {without_userinfo(base_url)!r} must start "
                "with http:// or https:// (e.g. http://prometheus.example.com:9090)"
            )
        self._url = base_url.rstrip("/") + QUERY_PATH
        self._shown_url = without_userinfo(base_url)  # the base URL as messages show it
        self._auth = (username or "", password or "") if username or password else None
        self._headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else {}
        self._timeout = timeout
        self._client = client
        self._owns_client = False

    def get_sli_values(
        self, request: SliRequest, queries: Mapping[str, object]
    ) -> list[IndicatorValue]:
        """One value per requested SLI, in the order of `request.indicators`."""
        return [self._value(name, queries.get(name), request) for name in request.indicators]

    def close(self) -> None:
        """Close the HTTP connections this provider opened (an injected client is left open)."""
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            import httpx  # deferred: only projects using Prometheus pay for importing it

            self._client = httpx.Client(timeout=self._timeout)
            self._owns_client = True
        return self._client

    def _value(self, name: str, query: object, request: SliRequest) -> IndicatorValue:
        if not isinstance(query, str) or not query.strip():
            return _failed(
                name,
                f"no query for SLI '{name}' in sli.yaml; add one under 'indicators' "
                f'(e.g. {name}: sum(rate(http_requests_total{{job="$SERVICE"}}'
                "[$DURATION_SECONDS])))",
            )
        promql = request.render(query)
        value = _read_answer(name, promql, self._query(promql, request.end))
        if value.message:
            return value.model_copy(update={"message": without_userinfo(value.message)})
        return value

    def _query(self, promql: str, at: datetime) -> _Answer:
        import httpx

        client = self._http()
        try:
            # POST keeps long queries out of the URL; Prometheus takes the same form fields.
            response = client.post(
                self._url,
                data={"query": promql, "time": _unix_seconds(at)},
                headers=self._headers,
                auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=self._timeout,
            )
        # httpx's messages may quote the request URL, credentials included: they are masked,
        # and the cause is not chained, so a logged traceback cannot show them either.
        except httpx.InvalidURL as error:
            raise InvalidInput(
                without_userinfo(f"Prometheus base URL {self._shown_url!r} is not valid: {error}")
            ) from None
        except httpx.RequestError as error:
            raise DependencyFailure(
                without_userinfo(
                    f"Prometheus at {self._shown_url} did not answer ({type(error).__name__}: "
                    f"{error}); check that it runs and that the base URL is right"
                )
            ) from None
        try:
            # The strict reader: a server (or what answers in its place) is not trusted to send
            # JSON shallow enough for json.loads' recursion.
            decoded: Any = strict_json.loads(response.content, "the Prometheus answer")
        except InvalidInput:
            decoded = None
        if not isinstance(decoded, dict):
            if response.status_code >= 500:
                # A proxy's error page: the server behind it is down, not the query wrong.
                raise DependencyFailure(
                    without_userinfo(
                        f"Prometheus at {self._shown_url} answered HTTP {response.status_code}: "
                        f"{_excerpt(response.text)}"
                    )
                )
            return _Answer(response.status_code, None, response.text)
        return _Answer(response.status_code, decoded, response.text)


@dataclass(frozen=True)
class _Answer:
    """An HTTP answer: `body` is Prometheus's JSON object, or None for anything else (an auth
    page, a 404 from a wrong base URL), whose `text` is then shown to the user."""

    status_code: int
    body: dict[str, Any] | None
    text: str


def _read_answer(name: str, promql: str, answer: _Answer) -> IndicatorValue:
    status_code, body = answer.status_code, answer.body
    if body is None:
        hint = {
            401: "; check the username/password or bearer token",
            403: "; check the username/password or bearer token",
            404: f"; check the base URL (the API is at <base URL>{QUERY_PATH})",
        }.get(status_code, "")
        return _failed(
            name,
            f"Prometheus answered HTTP {status_code} to the query for {name}"
            f"{hint}: {_excerpt(answer.text)}",
        )
    if body.get("status") != "success":
        error = body.get("error") or f"HTTP {status_code} without an error message"
        kind = body.get("errorType")
        return _failed(
            name,
            f"Prometheus could not run the query for {name}: {error}"
            f"{f' ({kind})' if kind else ''}; query: {promql}",
        )
    data = body.get("data") or {}
    result_type = data.get("resultType")
    result = data.get("result")
    if result_type == "scalar" and isinstance(result, list) and len(result) == 2:
        return _number(name, promql, result[1])
    if result_type != "vector":
        return _failed(
            name,
            f"the query for {name} returned a {result_type or 'result of unknown type'}; an SLI "
            f"query must return an instant vector with one series (no range selector like "
            f"[5m] around the outermost expression); query: {promql}",
        )
    samples = result if isinstance(result, list) else []
    if not samples:
        return _failed(name, f"no data for {name} in the evaluation window")
    if len(samples) > 1:
        series = ", ".join(_series_name(sample) for sample in samples[:3])
        more = f" and {len(samples) - 3} more" if len(samples) > 3 else ""
        return _failed(
            name,
            f"the query for {name} returned {len(samples)} series ({series}{more}); an SLI query "
            "must return one series: aggregate it, e.g. with sum(...), avg(...) or max(...); "
            f"query: {promql}",
        )
    value = samples[0].get("value") if isinstance(samples[0], dict) else None
    if not isinstance(value, list) or len(value) != 2:
        return _failed(name, f"Prometheus returned a sample without a value for {name}")
    return _number(name, promql, value[1])


def _number(name: str, promql: str, text: Any) -> IndicatorValue:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return _failed(name, f"Prometheus returned {text!r} for {name}, which is not a number")
    if not math.isfinite(number):
        # NaN or ±Inf cannot be compared with a criterion (and are not valid JSON).
        return _failed(
            name,
            f"the query for {name} returned {text}, not a number a quality gate can compare "
            f"(often a division by zero when nothing was counted); query: {promql}",
        )
    return IndicatorValue(metric=name, value=number, success=True)


def _series_name(sample: Any) -> str:
    labels = sample.get("metric") if isinstance(sample, dict) else None
    if not isinstance(labels, dict):
        return "{}"
    metric = labels.get("__name__", "")
    pairs = ",".join(f'{key}="{value}"' for key, value in labels.items() if key != "__name__")
    return f"{metric}{{{pairs}}}"


def _failed(name: str, message: str) -> IndicatorValue:
    return IndicatorValue(metric=name, value=0.0, success=False, message=message)


def _unix_seconds(moment: datetime) -> str:
    """Unix time in seconds with at most millisecond decimals, as Prometheus reads `time`."""
    return f"{moment.timestamp():.3f}".rstrip("0").rstrip(".")


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _BODY_EXCERPT else flat[:_BODY_EXCERPT] + "..."
