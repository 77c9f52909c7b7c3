"""Safe YAML loading: lines, duplicate keys, syntax errors, aliases, and the one-line format."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from chalicelib.domain.docmodel import ConfigModel
from chalicelib.domain.yamldoc import (
    InvalidDocument,
    Problem,
    document_problems,
    load_yaml,
    parse_document,
)
from chalicelib.errors import InvalidInput


class Item(ConfigModel):
    name: str
    size: int = 0


class Box(ConfigModel):
    label: str
    items: list[Item]
    tags: dict[str, str] = {}


def load_problems(text: str) -> list[str]:
    """What loading finds: fatal problems raise, the others travel with the document."""
    try:
        doc = load_yaml(text, "f.yaml")
    except InvalidDocument as exc:
        return exc.lines
    assert doc.problems, "loading found nothing wrong"
    return [str(problem) for problem in doc.problems]


def test_lines_are_recorded_for_keys_and_items() -> None:
    doc = load_yaml("a: 1\nb:\n  - x\n  - y: 2\n    z: true\n", "f.yaml")

    assert doc.data == {"a": 1, "b": ["x", {"y": 2, "z": True}]}
    assert doc.line_of(("b",)) == 2
    assert doc.line_of(("b", 1, "z")) == 5
    # A path that does not exist reports its nearest existing parent.
    assert doc.line_of(("b", 1, "missing", 3)) == 4


def test_duplicate_key_names_key_and_both_lines() -> None:
    lines = load_problems("metadata:\n  name: a\n  name: b\n")

    assert lines == [
        "f.yaml: metadata.name (line 3): duplicate key 'name' (first given on line 2); "
        "each key may appear only once in a mapping"
    ]


def test_duplicate_keys_in_json_are_found_too() -> None:
    lines = load_problems('{\n  "a": 1,\n  "a": 2\n}\n')

    assert lines == [
        "f.yaml: a (line 3): duplicate key 'a' (first given on line 2); "
        "each key may appear only once in a mapping"
    ]


def test_tab_indented_json_is_accepted_with_its_lines() -> None:
    doc = load_yaml('{\n\t"a": {\n\t\t"b": "x"\n\t}\n}\n', "f.json")

    assert doc.data == {"a": {"b": "x"}}
    assert doc.line_of(("a", "b")) == 3


def test_syntax_error_is_one_line_with_its_line_number() -> None:
    lines = load_problems("a: 1\nb: [1, 2\nc: 3\n")

    assert len(lines) == 1
    assert lines[0].startswith("f.yaml: invalid YAML (line ")
    assert "(line 3)" in lines[0] or "(line 4)" in lines[0]


def test_tab_indentation_gets_a_hint() -> None:
    lines = load_problems("a:\n\tb: 1\n")

    assert lines[0].startswith("f.yaml: invalid YAML (line 2): ")
    assert "use spaces" in lines[0]


def test_two_documents_in_one_file_are_refused() -> None:
    lines = load_problems("a: 1\n---\nb: 2\n")

    assert lines[0].startswith("f.yaml: invalid YAML (line 2): ")
    assert "single document" in lines[0]


def test_empty_file_is_refused() -> None:
    assert load_problems("# only a comment\n") == ["f.yaml: top level (line 1): the file is empty"]


def test_control_characters_are_reported_with_their_line() -> None:
    lines = load_problems("a: 1\nb: \x01\n")

    assert lines[0].startswith("f.yaml: invalid YAML (line 2): unacceptable character")


def test_python_tags_are_refused_not_executed() -> None:
    lines = load_problems("a: !!python/object/apply:os.system ['echo hi']\n")

    assert lines == [
        "f.yaml: a (line 1): unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    ]


def test_recursive_alias_is_refused() -> None:
    assert load_problems("a: &x [*x]\n") == [
        "f.yaml: a[0] (line 1): an alias refers to the node that contains it"
    ]


def test_alias_explosion_is_stopped() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index in range(1, 7):
        previous = chr(ord("a") + index - 1)
        name = chr(ord("a") + index)
        levels.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")

    lines = load_problems("\n".join(levels) + "\n")

    assert len(lines) == 1
    assert "too large" in lines[0]


def test_merge_keys_apply_and_written_keys_win() -> None:
    doc = load_yaml("base: &b {name: x, size: 1}\nitem:\n  <<: *b\n  size: 2\n", "f.yaml")

    assert doc.data["item"] == {"name": "x", "size": 2}
    assert doc.line_of(("item", "size")) == 4


def test_timestamps_stay_text_as_in_go() -> None:
    assert load_yaml("d: 2024-01-02\n", "f.yaml").data == {"d": "2024-01-02"}


def test_model_error_format_shows_path_value_and_line() -> None:
    text = "label: box\nitems:\n  - name: a\n  - name: b\n    size: big\n"

    assert document_problems(text, Box, "box.yaml") == [
        "box.yaml: items[1].size 'big' (line 5): must be a whole number, found a string"
    ]


def test_missing_field_points_at_its_parent() -> None:
    text = "label: box\nitems:\n  - size: 1\n"

    assert document_problems(text, Box, "box.yaml") == [
        "box.yaml: items[0] (line 3): field 'name' is required"
    ]


def test_unknown_field_lists_the_allowed_ones() -> None:
    text = "label: box\nitems:\n  - name: a\n    colour: red\n"

    assert document_problems(text, Box, "box.yaml") == [
        "box.yaml: items[0].colour (line 4): unknown field 'colour'; allowed fields: name, size"
    ]


def test_top_level_problems_say_top_level() -> None:
    assert document_problems("- a\n", Box, "box.yaml") == [
        "box.yaml: top level (line 1): must be a mapping, found a list"
    ]


def test_problems_are_sorted_by_line() -> None:
    text = "items:\n  - name: 1\nlabel: 2\nextra: x\n"

    lines = document_problems(text, Box, "box.yaml")

    assert [line.split("(line ")[1].split(")")[0] for line in lines] == ["2", "3", "4"]


def test_numbers_in_text_fields_get_a_quoting_hint() -> None:
    lines = document_problems("label: 12\nitems: []\n", Box, "box.yaml")

    assert lines == [
        "box.yaml: label '12' (line 1): must be a string, found a number (put it in quotes)"
    ]


def test_keys_with_dots_are_quoted_in_paths() -> None:
    text = "label: box\nitems: []\ntags:\n  evaluation.result: 3\n"

    assert document_problems(text, Box, "box.yaml") == [
        "box.yaml: tags[\"evaluation.result\"] '3' (line 4): "
        "must be a string, found a number (put it in quotes)"
    ]


def test_every_problem_is_exactly_one_line() -> None:
    problem = Problem("f.yaml", "a", "bad\nthing", 3, "multi\nline")

    assert "\n" not in str(problem)
    assert str(problem) == "f.yaml: a 'multi\\nline' (line 3): bad\\nthing"


def test_long_values_are_shortened() -> None:
    text = f"label: box\nitems:\n  - name: a\n    size: {'x' * 200}\n"

    line = document_problems(text, Box, "box.yaml")[0]

    assert "x" * 57 + "..." in line
    assert "x" * 61 not in line


def test_parse_document_returns_the_model_and_raises_an_invalid_input() -> None:
    box = parse_document("label: box\nitems: [{name: a}]\n", Box, "box.yaml")
    assert box.items[0].name == "a"

    with pytest.raises(InvalidInput) as caught:
        parse_document("label: box\n", Box, "box.yaml")
    assert caught.value.status_code == 400
    assert "field 'items' is required" in caught.value.message


def test_works_with_plain_pydantic_models_too() -> None:
    class Loose(BaseModel):
        model_config = ConfigDict(extra="allow")
        count: int

    assert document_problems("count: x\nother: 1\n", Loose, "l.yaml") == [
        "l.yaml: count 'x' (line 1): must be a whole number, found a string"
    ]


def test_problems_found_while_loading_come_with_the_models_own() -> None:
    lines = document_problems(
        "label: !custom x\nitems:\n  - name: a\n    name: b\n  - size: big\n", Box, "f.yaml"
    )

    assert lines == [
        # the unsupported tag only: the empty value it leaves is not reported a second time
        "f.yaml: label (line 1): unsupported YAML tag '!custom'",
        "f.yaml: items[0].name (line 4): duplicate key 'name' (first given on line 3); "
        "each key may appear only once in a mapping",
        "f.yaml: items[1] (line 5): field 'name' is required",
        "f.yaml: items[1].size 'big' (line 5): must be a whole number, found a string",
    ]
