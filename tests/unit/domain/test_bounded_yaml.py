"""The bounded YAML loader: safe_load semantics, with depth, size and surrogate limits that hold
before the recursive composer and constructor run, and the documents loaded through it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from chalicelib.adapters.cloudwatch_queries import Window, plan_sli
from chalicelib.domain import bounded_yaml
from chalicelib.domain.bounded_yaml import MAX_DEPTH, MAX_NODES, DocumentRefused
from chalicelib.domain.sli_queries import SliRequest
from chalicelib.domain.yamldoc import InvalidDocument, load_yaml
from chalicelib.engine.lighthouse.models import IndicatorValue


def flow(depth: int) -> str:
    return "{a: " * depth + "1" + "}" * depth


def alias_chain(length: int) -> str:
    """Each anchor wraps the previous one: written two levels deep, built `length` deep."""
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, length)]
    return "\n".join(lines) + "\n"


def merge_chain(length: int) -> str:
    lines = ["m0: &m0 {k: 1}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}}}" for i in range(1, length)]
    return "\n".join(lines) + "\n"


def laughs(levels: int) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index in range(1, levels):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    return "\n".join(lines) + "\n"


def refused(text: str) -> DocumentRefused:
    with pytest.raises(DocumentRefused) as raised:
        bounded_yaml.safe_load(text)
    return raised.value


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [x, {c: d}]\nwhen: 2024-01-01\nn: ~\n",
        "base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n",
        "[1, 2.5, true, '3']",
        alias_chain(MAX_DEPTH - 2),
        laughs(3),
    ],
)
def test_what_safe_load_reads_within_the_limits_reads_the_same(text: str) -> None:
    assert bounded_yaml.safe_load(text) == yaml.safe_load(text)


def test_the_limit_itself_is_accepted_one_more_level_is_not() -> None:
    assert bounded_yaml.safe_load("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    one_more = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert f"more than {MAX_DEPTH} levels deep" in str(refused(one_more).problem)


@pytest.mark.parametrize("depth", [1_000, 5_000, 50_000])
def test_deep_documents_are_refused_before_the_composer_recurses(depth: int) -> None:
    error = refused(flow(depth))
    assert f"the limit is {MAX_DEPTH}" in str(error.problem)
    assert error.problem_mark is not None


def test_unsafe_tags_stay_refused() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        bounded_yaml.safe_load("!!python/object/apply:os.system ['true']")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (alias_chain(5_000), "levels deep"),
        (merge_chain(5_000), "levels deep"),
        (laughs(7), f"more than {MAX_NODES} nodes"),
        ("a: &x [*x]\n", "refers to the node that contains it"),
        ('a: "\\ud800"\n', "surrogate"),
        ('"\\udfff": 1\n', "surrogate"),
    ],
)
def test_alias_tricks_and_lone_surrogates_are_refused_before_construction(
    text: str, fragment: str
) -> None:
    assert fragment in str(refused(text).problem)


def test_an_escaped_surrogate_pair_is_one_character_as_in_json() -> None:
    assert bounded_yaml.safe_load('a: "\\ud83d\\ude00"') == {"a": "\U0001f600"}
    assert load_yaml('a: "x\\ud83d\\ude00y"', "f.yaml").data == {"a": "x\U0001f600y"}


def test_the_refusal_is_a_yaml_error_so_callers_keep_their_handling() -> None:
    assert issubclass(DocumentRefused, yaml.YAMLError)


# -- documents (shipyard, slo, ... through yamldoc) ------------------------------------------


def document_lines(text: str) -> list[str]:
    with pytest.raises(InvalidDocument) as raised:
        load_yaml(text, "shipyard.yaml")
    return raised.value.lines


@pytest.mark.parametrize("text", [flow(5_000), "[" * 5_000 + "]" * 5_000])
def test_a_document_nested_5000_deep_is_one_located_problem(text: str) -> None:
    lines = document_lines(text)
    assert lines == [
        f"shipyard.yaml: document (line 1): the document nests mappings and sequences more "
        f"than {MAX_DEPTH} levels deep (aliases and merge keys included; the limit is {MAX_DEPTH})"
    ]


def test_deep_json_with_tabs_is_a_problem_not_a_recursion_error() -> None:
    # Tab-indented JSON is read by trying json.loads first; that try is bounded too.
    lines = document_lines("[\t" * 5_000 + "]" * 5_000)
    assert len(lines) == 1
    assert lines[0].startswith("shipyard.yaml: ")


@pytest.mark.parametrize("text", [alias_chain(5_000), merge_chain(5_000)])
def test_aliases_and_merges_cannot_build_a_document_deeper_than_the_limit(text: str) -> None:
    lines = document_lines(text)
    assert len(lines) == 1
    assert f"more than {MAX_DEPTH} levels deep" in lines[0]


def test_a_lone_surrogate_in_a_document_is_located() -> None:
    assert document_lines('name: ok\nlabel: "\\ud800"\n') == [
        "shipyard.yaml: document (line 2): a double-quoted escape here ('\\ud800'-'\\udfff') is "
        "half of a UTF-16 surrogate pair, which is not a character; write the character itself"
    ]


def test_documents_within_the_limits_still_load_with_their_lines() -> None:
    doc = load_yaml(alias_chain(MAX_DEPTH - 2), "f.yaml")
    assert doc.line_of(("a3",)) == 4


# -- event handling: SLI queries are YAML text inside sli.yaml -------------------------------


def test_an_sli_query_nested_too_deep_fails_that_sli_with_the_reason() -> None:
    end = datetime(2024, 1, 1, 12, tzinfo=UTC)
    request = SliRequest(
        project="shop", stage="dev", service="cart", start=end - timedelta(minutes=5), end=end
    )
    planned = plan_sli(0, "rt", flow(5_000), request, Window(end - timedelta(minutes=5), end, 300))
    assert isinstance(planned, IndicatorValue)
    assert planned.success is False
    assert planned.message.startswith("the CloudWatch query of SLI 'rt' is not valid: ")
    assert f"more than {MAX_DEPTH} levels deep" in planned.message
