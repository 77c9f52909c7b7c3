"""Property-based contract tests (schemathesis) against the running embedded runtime.

Every operation of our own description is exercised on the /v1 routes with all checks; every
operation of Keptn's Swagger files that Quartermaster serves is exercised on its alias path with
the checks Keptn's files can support. Cases: the description's examples, then generated valid
requests (some on the seeded project), then generated invalid ones; bounded per operation.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode

from tests.contract.results import RESULTS, CheckFailure, OperationResult
from tests.contract.runtime import PROJECT, SERVICE, STAGE, Runtime
from tests.contract.targets import ALL_CHECKS, Target, targets

pytestmark = pytest.mark.e2e
AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

EXAMPLES_PER_MODE = 10  # generated cases per operation and mode: the suite stays near 1-2 minutes
TIMEOUT_S = 30


def _seeded_path(operation: Operation, runtime_context: str) -> dict[str, str]:
    values = {
        "project": PROJECT,
        "projectName": PROJECT,
        "stage": STAGE,
        "stageName": STAGE,
        "service": SERVICE,
        "serviceName": SERVICE,
        "uri": "slo.yaml",
        "resourceURI": "slo.yaml",
        "keptn_context": runtime_context,
        "keptnContext": runtime_context,
        "event_type": "sh.keptn.event.deployment.triggered",
        "eventType": "sh.keptn.event.deployment.triggered",
    }
    names = {parameter.name for parameter in operation.path_parameters}
    return {name: value for name, value in values.items() if name in names}


def _collect() -> list[Any]:
    params = []
    for target in targets():
        schema = target.load()
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]
            if target.served(operation):
                params.append((target, schema, operation))
    # Deletes last, so every other operation still finds the seeded data.
    params.sort(key=lambda item: item[2].method.upper() == "DELETE")
    return [
        pytest.param(target, schema, operation, id=f"{target.name}:{operation.label}")
        for target, schema, operation in params
    ]


def _exercise(case: AnyCase, target: Target, runtime: Runtime, seen: OperationResult) -> None:
    headers = {"x-token": runtime.token}
    base_url = runtime.endpoint + target.prefix
    response = case.call(base_url=base_url, headers=headers, timeout=TIMEOUT_S)
    seen.requests += 1
    seen.statuses[response.status_code] += 1
    for name in (*target.checks, *target.informational):
        try:
            case.validate_response(response, checks=[ALL_CHECKS[name]], headers=headers)
        except AssertionError as single:
            found: list[BaseException] = [single]
        except BaseExceptionGroup as group:
            found = list(group.exceptions)
        else:
            found = []
        for problem in found:
            title = getattr(problem, "title", type(problem).__name__)
            message = getattr(problem, "message", str(problem))
            seen.record(_failure(name, title, message, case, base_url, target, seen.operation))
        if not found:
            seen.passed[name] += 1


def _failure(
    check: str,
    title: str,
    message: str,
    case: AnyCase,
    base_url: str,
    target: Target,
    operation: str,
) -> CheckFailure:
    curl = case.as_curl_command(headers={"x-token": "$QM_TOKEN"}, base_url=base_url)
    expected = None
    if check in target.informational:
        expected = "informational: Keptn's file omits it (docs/keptn-compatibility.md)"
    return CheckFailure(check, title, message, curl, expected)


def _run(strategy: st.SearchStrategy[AnyCase], examples: int, act: Any) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: AnyCase) -> None:
        act(case)

    # Unsatisfiable: nothing to vary (no invalid request exists for an operation without inputs).
    with contextlib.suppress(Unsatisfiable):
        run()


@pytest.mark.parametrize(("target", "schema", "operation"), _collect())
def test_operation_keeps_its_contract(
    target: Target, schema: Any, operation: Operation, runtime: Runtime
) -> None:
    label = f"{operation.method.upper()} {target.prefix}{operation.path}"
    seen = OperationResult(target.name, label)
    RESULTS.append(seen)

    def act(case: AnyCase) -> None:
        _exercise(case, target, runtime, seen)

    for example in schema.get_strategies_from_examples(operation):
        _run(example, 1, act)
    strategies = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    seeded = _seeded_path(operation, runtime.keptn_context)
    if seeded and operation.method.upper() != "DELETE":
        strategies.append(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=seeded)
        )
    for strategy in strategies:
        _run(strategy, EXAMPLES_PER_MODE, act)

    problems = [
        f"{item.check}: {item.title}: {_first_line(item.message)[:200]}\n    {item.curl}"
        for item in seen.unexpected()
    ]
    assert not problems, "\n".join(problems)


def _first_line(text: str) -> str:
    return next(iter(text.splitlines()), "")
