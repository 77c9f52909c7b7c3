"""The configuration diff of an approval: what a person reading it in chat would see."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.engine.config_diff import (
    DIFF_BUDGET_BYTES,
    MAX_DIFF_INPUT_BYTES,
    diff_files,
    unified_diff,
)

VALUES_V1 = b"replicaCount: 1\nimage: cart:1\nlogLevel: info\n"
VALUES_V2 = b"replicaCount: 3\nimage: cart:2\nlogLevel: info\n"


def _files(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["uri"]: entry for entry in result["files"]}


def test_a_changed_file_shows_the_old_and_new_lines_and_both_commits() -> None:
    result = diff_files(
        {"helm/values.yaml": VALUES_V1},
        {"helm/values.yaml": VALUES_V2},
        "000000000003",
        "000000000007",
    ).to_data()
    assert (result["fromCommit"], result["toCommit"], result["truncated"]) == (
        "000000000003",
        "000000000007",
        False,
    )
    entry = _files(result)["helm/values.yaml"]
    assert entry["change"] == "changed"
    assert entry["diff"] == (
        "--- a/helm/values.yaml\n"
        "+++ b/helm/values.yaml\n"
        "@@ -1,3 +1,3 @@\n"
        "-replicaCount: 1\n"
        "-image: cart:1\n"
        "+replicaCount: 3\n"
        "+image: cart:2\n"
        " logLevel: info\n"
    )


def test_unchanged_files_are_not_listed_and_files_come_in_uri_order() -> None:
    before = {"b.yaml": b"same\n", "z.yaml": b"old\n", "gone.yaml": b"bye\n"}
    after = {"b.yaml": b"same\n", "z.yaml": b"new\n", "a.yaml": b"hello\n"}
    result = diff_files(before, after, "1", "2").to_data()
    assert [(f["uri"], f["change"]) for f in result["files"]] == [
        ("a.yaml", "added"),
        ("gone.yaml", "removed"),
        ("z.yaml", "changed"),
    ]


def test_with_nothing_deployed_before_every_file_is_added() -> None:
    result = diff_files({}, {"slo.yaml": b"objectives: []\n", "x.txt": b"x\n"}, None, "5").to_data()
    assert result["fromCommit"] is None
    files = _files(result)
    assert {f["change"] for f in files.values()} == {"added"}
    assert files["slo.yaml"]["diff"] == (
        "--- /dev/null\n+++ b/slo.yaml\n@@ -0,0 +1 @@\n+objectives: []\n"
    )


def test_a_removed_file_shows_its_lines_as_removed() -> None:
    entry = _files(diff_files({"old.yaml": b"a: 1\n"}, {}, "1", "2").to_data())["old.yaml"]
    assert entry["change"] == "removed"
    assert entry["diff"] == "--- a/old.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a: 1\n"


def test_a_missing_final_newline_is_marked_as_git_does() -> None:
    text = unified_diff("f", "a\nb", "a\nc")
    assert text.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_binary_content_is_reported_changed_without_text() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    before = {"logo.png": png, "chart.tgz": b"\x1f\x8b\x08\x00"}
    after = {"logo.png": png + b"\x01", "chart.tgz": b"\x1f\x8b\x08\x01"}
    files = _files(diff_files(before, after, "1", "2").to_data())
    for uri in ("logo.png", "chart.tgz"):
        assert files[uri] == {"uri": uri, "change": "changed", "binary": True}


def test_text_turned_binary_is_binary() -> None:
    files = _files(diff_files({"f": b"text\n"}, {"f": b"\xff\xfe"}, "1", "2").to_data())
    assert files["f"] == {"uri": "f", "change": "changed", "binary": True}


def test_a_very_large_file_is_reported_without_text() -> None:
    big = b"line\n" * (MAX_DIFF_INPUT_BYTES // 5 + 1)
    files = _files(diff_files({"big.txt": big}, {"big.txt": big + b"more\n"}, "1", "2").to_data())
    assert files["big.txt"] == {"uri": "big.txt", "change": "changed", "tooLarge": True}


def test_a_long_diff_is_cut_at_a_line_within_the_budget() -> None:
    before = {"values.yaml": "".join(f"key{n}: old\n" for n in range(3000)).encode()}
    after = {"values.yaml": "".join(f"key{n}: new\n" for n in range(3000)).encode()}
    result = diff_files(before, after, "1", "2").to_data()
    assert result["truncated"] is True
    entry = _files(result)["values.yaml"]
    assert entry["truncated"] is True
    diff = entry["diff"]
    assert diff.startswith("--- a/values.yaml\n+++ b/values.yaml\n")
    assert diff.endswith("\n")
    assert "-key0: old\n" in diff
    assert "+key2999: new" not in diff
    assert len(json.dumps(result["files"], separators=(",", ":"))) <= DIFF_BUDGET_BYTES
    assert len(json.dumps(result["files"], separators=(",", ":"))) > DIFF_BUDGET_BYTES * 0.9


def test_the_budget_counts_bytes_as_encoded_in_the_event() -> None:
    # Non-ASCII text is escaped (\\uXXXX) on the bus: six bytes a character, not one.
    before = {"greeting.txt": ("こんにちは\n" * 2000).encode()}
    after = {"greeting.txt": ("さようなら\n" * 2000).encode()}
    result = diff_files(before, after, "1", "2").to_data()
    assert result["truncated"] is True
    assert len(json.dumps(result["files"], separators=(",", ":"))) <= DIFF_BUDGET_BYTES


def test_every_changed_file_is_listed_before_any_text_is_shown() -> None:
    before = {f"f{n:02d}.yaml": b"a: 1\n" * 400 for n in range(20)}
    after = {f"f{n:02d}.yaml": b"a: 2\n" * 400 for n in range(20)}
    result = diff_files(before, after, "1", "2", budget=4096).to_data()
    files = result["files"]
    assert [f["uri"] for f in files] == sorted(before)
    assert result["truncated"] is True
    assert "omittedFiles" not in result
    assert "diff" in files[0]
    assert files[-1] == {"uri": "f19.yaml", "change": "changed", "truncated": True}
    assert len(json.dumps(files, separators=(",", ":"))) <= 4096


def test_files_beyond_the_budget_are_counted_as_omitted() -> None:
    after = {f"manifests/deployment-{n:03d}.yaml": b"kind: Deployment\n" for n in range(500)}
    result = diff_files({}, after, None, "9", budget=2048).to_data()
    assert result["truncated"] is True
    assert 0 < len(result["files"]) < 500
    assert len(result["files"]) + result["omittedFiles"] == 500
    assert len(json.dumps(result["files"], separators=(",", ":"))) <= 2048


def test_no_change_is_an_empty_list() -> None:
    result = diff_files({"a": b"x"}, {"a": b"x"}, "3", "3").to_data()
    assert result == {"fromCommit": "3", "toCommit": "3", "files": [], "truncated": False}
