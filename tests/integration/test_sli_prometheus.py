"""The Prometheus SLI provider against a real Prometheus server loaded with known samples
(tests/integration/prometheus_server.py, started once for the test session).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from chalicelib.adapters.sli_prometheus import PrometheusSliProvider
from chalicelib.domain.sli import SliFile
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.errors import DependencyFailure, InvalidInput
from tests.integration.prometheus_server import HANDLER, PASSWORD, T0, USERNAME, free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def provider(prometheus_url: str) -> Iterator[PrometheusSliProvider]:
    built = PrometheusSliProvider(prometheus_url, username=USERNAME, password=PASSWORD)
    yield built
    built.close()


def sli_request(*indicators: str, **overrides: Any) -> SliRequest:
    fields: dict[str, Any] = {
        "project": "sockshop",
        "stage": "dev",
        "service": "carts",
        "start": T0,
        "end": T0 + timedelta(minutes=10),
        "indicators": list(indicators),
    }
    fields.update(overrides)
    return SliRequest.model_validate(fields)


def by_metric(values: list[Any]) -> dict[str, tuple[Any, bool, str]]:
    """metric -> (value, success, message); the value compares with floating-point tolerance."""
    return {item.metric: (pytest.approx(item.value), item.success, item.message) for item in values}


def test_the_example_project_queries_give_the_known_values(
    provider: PrometheusSliProvider,
) -> None:
    sli_file = SliFile.model_validate(
        yaml.safe_load((EXAMPLES / "delivery" / "sli.yaml").read_text())
    )
    names = ["response_time_p95", "error_rate", "throughput"]

    values = provider.get_sli_values(sli_request(*names), sli_file.indicators)

    assert by_metric(values) == {
        "response_time_p95": (350.0, True, ""),
        "error_rate": (6.25, True, ""),
        "throughput": (1.6, True, ""),
    }


def test_duration_seconds_follows_the_window(provider: PrometheusSliProvider) -> None:
    queries = {
        "throughput": 'sum(rate(http_requests_total{job="$SERVICE-$PROJECT-$STAGE"}'
        "[$DURATION_SECONDS]))"
    }
    last_five_minutes = sli_request("throughput", start=T0 + timedelta(minutes=5))

    values = provider.get_sli_values(last_five_minutes, queries)

    assert by_metric(values) == {"throughput": (2.1, True, "")}


def test_custom_filters_and_labels_fill_in_the_query(provider: PrometheusSliProvider) -> None:
    queries = {
        "server_errors": 'sum(rate(http_requests_total{handler="$HANDLER",status="$LABEL.status"}'
        "[$DURATION_SECONDS]))"
    }
    request = sli_request(
        "server_errors",
        labels={"status": "500"},
        custom_filters=[{"key": "handler", "value": HANDLER}],
    )

    values = provider.get_sli_values(request, queries)

    assert by_metric(values) == {"server_errors": (0.1, True, "")}


def test_a_query_without_data_fails_with_no_data(provider: PrometheusSliProvider) -> None:
    queries = {"throughput": 'sum(rate(http_requests_total{job="$SERVICE-$PROJECT-$STAGE"}[5m]))'}

    values = provider.get_sli_values(sli_request("throughput", stage="prod"), queries)

    assert by_metric(values) == {
        "throughput": (0.0, False, "no data for throughput in the evaluation window")
    }


def test_a_promql_syntax_error_fails_that_sli_with_prometheus_message(
    provider: PrometheusSliProvider,
) -> None:
    queries = {
        "broken": "sum(rate(http_requests_total[$DURATION_SECONDS])",
        "fine": "max(memory_usage_bytes)",
    }

    values = by_metric(provider.get_sli_values(sli_request("broken", "fine"), queries))

    assert values["fine"] == (300.0, True, "")
    value, success, message = values["broken"]
    assert (value, success) == (0.0, False)
    assert message.startswith("Prometheus could not run the query for broken:")
    assert "parse error: unclosed left parenthesis" in message
    assert "sum(rate(http_requests_total[600s])" in message


def test_a_query_returning_several_series_fails_naming_them(
    provider: PrometheusSliProvider,
) -> None:
    queries = {
        "memory": 'memory_usage_bytes{job="$SERVICE-$PROJECT-$STAGE"}',
        "max_memory": 'max(memory_usage_bytes{job="$SERVICE-$PROJECT-$STAGE"})',
    }

    values = by_metric(provider.get_sli_values(sli_request(*queries), queries))

    assert values["max_memory"] == (300.0, True, "")
    value, success, message = values["memory"]
    assert (value, success) == (0.0, False)
    assert "returned 2 series" in message
    assert 'memory_usage_bytes{instance="a",job="carts-sockshop-dev"}' in message
    assert "must return one series" in message


def test_a_range_vector_and_a_nan_are_refused(provider: PrometheusSliProvider) -> None:
    queries = {
        "range": 'max(memory_usage_bytes{job="$SERVICE-$PROJECT-$STAGE"})[5m:1m]',
        "nan": 'sum(rate(http_requests_total{job="$SERVICE-$PROJECT-$STAGE"}[5m])) * 0 / 0',
    }

    values = by_metric(provider.get_sli_values(sli_request(*queries), queries))

    assert values["range"][1] is False
    assert "returned a matrix" in values["range"][2]
    assert values["nan"][1] is False
    assert "returned NaN" in values["nan"][2]


def test_a_scalar_result_is_a_value(provider: PrometheusSliProvider) -> None:
    queries = {"count": 'scalar(count(memory_usage_bytes{job="$SERVICE-$PROJECT-$STAGE"}))'}

    values = provider.get_sli_values(sli_request("count"), queries)

    assert by_metric(values) == {"count": (2.0, True, "")}


def test_an_sli_without_a_query_fails_alone(provider: PrometheusSliProvider) -> None:
    queries = {"max_memory": "max(memory_usage_bytes)"}

    values = by_metric(provider.get_sli_values(sli_request("max_memory", "latency"), queries))

    assert values["max_memory"] == (300.0, True, "")
    assert values["latency"][:2] == (0.0, False)
    assert values["latency"][2].startswith("no query for SLI 'latency' in sli.yaml")


def test_wrong_credentials_fail_each_sli_with_a_hint(prometheus_url: str) -> None:
    provider = PrometheusSliProvider(prometheus_url, username=USERNAME, password="wrong")

    [value] = provider.get_sli_values(sli_request("up"), {"up": "max(memory_usage_bytes)"})

    assert not value.success
    assert value.message.startswith("Prometheus answered HTTP 401 to the query for up")
    assert "check the username/password or bearer token" in value.message


def test_a_wrong_base_url_path_fails_with_a_hint(prometheus_url: str) -> None:
    provider = PrometheusSliProvider(
        f"{prometheus_url}/prometheus", username=USERNAME, password=PASSWORD
    )

    [value] = provider.get_sli_values(sli_request("up"), {"up": "max(memory_usage_bytes)"})

    assert not value.success
    assert "HTTP 404" in value.message
    assert "check the base URL" in value.message


def test_an_unreachable_server_raises_dependency_failure() -> None:
    provider = PrometheusSliProvider(f"http://127.0.0.1:{free_port()}", timeout=2)

    with pytest.raises(DependencyFailure, match=r"Prometheus at http://127\.0\.0\.1:\d+ did not"):
        provider.get_sli_values(sli_request("up"), {"up": "max(memory_usage_bytes)"})


def test_a_bearer_token_is_sent_as_authorization_header() -> None:
    # Prometheus itself only checks basic auth; proxies in front of it (and managed services)
    # check bearer tokens. This stand-in answers like Prometheus only with the right token.
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Bearer t0ken":
            return httpx.Response(401, text="Unauthorized")
        sample = {"metric": {}, "value": [1704103800, "42"]}
        data = {"resultType": "vector", "result": [sample]}
        return httpx.Response(200, json={"status": "success", "data": data})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    provider = PrometheusSliProvider("http://prometheus.test", bearer_token="t0ken", client=client)

    values = provider.get_sli_values(sli_request("up"), {"up": "max(up)"})

    assert by_metric(values) == {"up": (42.0, True, "")}


def test_the_query_runs_at_the_window_end(provider: PrometheusSliProvider) -> None:
    # The samples stop at 10:10; an instant query looks back at most 5 minutes from its time.
    queries = {"max_memory": 'max(memory_usage_bytes{job="$SERVICE-$PROJECT-$STAGE"})'}
    ending_at = {
        minutes: sli_request("max_memory", end=T0 + timedelta(minutes=minutes))
        for minutes in (10, 14, 16)
    }

    values = {
        minutes: by_metric(provider.get_sli_values(request, queries))["max_memory"][:2]
        for minutes, request in ending_at.items()
    }

    assert values == {10: (300.0, True), 14: (300.0, True), 16: (0.0, False)}


def test_basic_auth_and_a_bearer_token_together_are_refused() -> None:
    with pytest.raises(InvalidInput, match="either a username and password"):
        PrometheusSliProvider("http://prometheus.test", username="a", bearer_token="t")


# -- credentials in the base URL never reach a message ----------------------------------------


def test_a_url_with_credentials_is_never_shown_in_a_failed_sli(prometheus_url: str) -> None:
    # httpx sends user-info as basic auth; here the password in the URL is the wrong one.
    with_credentials = prometheus_url.replace("://", f"://{USERNAME}:not-{PASSWORD}-hunter2@")
    provider = PrometheusSliProvider(with_credentials)

    [value] = provider.get_sli_values(sli_request("up"), {"up": "max(memory_usage_bytes)"})

    assert value.message.startswith("Prometheus answered HTTP 401 to the query for up")
    assert "hunter2" not in value.message


def test_an_unreachable_url_with_credentials_is_shown_without_them() -> None:
    provider = PrometheusSliProvider(f"http://admin:hunter2@127.0.0.1:{free_port()}", timeout=2)

    with pytest.raises(DependencyFailure) as failed:
        provider.get_sli_values(sli_request("up"), {"up": "max(up)"})

    assert failed.value.message.startswith("Prometheus at http://127.0.0.1:")
    assert "hunter2" not in failed.value.message
    assert failed.value.__cause__ is None  # a logged traceback cannot show httpx's request


def echoing(status: int, text: str) -> httpx.Client:
    """A stand-in that answers every query with `text` (a proxy's page quoting the URL)."""
    return httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(status, text=text)))


def test_urls_with_credentials_quoted_by_the_server_are_masked() -> None:
    page = "<h1>Denied</h1> for http://admin:hunter2@prometheus.test/api/v1/query"
    denied = PrometheusSliProvider("http://prometheus.test", client=echoing(401, page))
    down = PrometheusSliProvider("http://admin:hunter2@prometheus.test", client=echoing(502, page))

    [value] = denied.get_sli_values(sli_request("up"), {"up": "max(up)"})
    with pytest.raises(DependencyFailure) as failed:
        down.get_sli_values(sli_request("up"), {"up": "max(up)"})

    assert "for http://prometheus.test/api/v1/query" in value.message
    assert failed.value.message == (
        "Prometheus at http://prometheus.test answered HTTP 502: "
        "<h1>Denied</h1> for http://prometheus.test/api/v1/query"
    )
    assert "hunter2" not in value.message + failed.value.message


def test_an_httpx_error_quoting_the_url_is_masked() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    provider = PrometheusSliProvider("http://admin:hunter2@prometheus.test", client=client)

    with pytest.raises(DependencyFailure) as failed:
        provider.get_sli_values(sli_request("up"), {"up": "max(up)"})

    assert "cannot connect to http://prometheus.test/api/v1/query" in failed.value.message
    assert "hunter2" not in failed.value.message


def test_an_invalid_url_is_refused_without_its_credentials() -> None:
    provider = PrometheusSliProvider("http://admin:hunter2@prometheus.test:port")

    with pytest.raises(InvalidInput) as refused:
        provider.get_sli_values(sli_request("up"), {"up": "max(up)"})

    assert refused.value.message.startswith(
        "Prometheus base URL 'http://prometheus.test:port' is not valid: "
    )
    assert "hunter2" not in refused.value.message
