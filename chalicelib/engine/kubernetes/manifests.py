"""A service's Kubernetes manifests read into objects, each with the file and line it came from.

A manifest file holds one or more YAML documents (`---` between them), or a `kind: List`. Each
object must name its `apiVersion`, `kind` and `metadata.name`, and be of a kind the EKS target
applies; anything else is refused with the file and line, before anything reaches a cluster.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.docmodel import Loc
from chalicelib.domain.yamldoc import InvalidDocument, Problem, YamlDocument, load_yaml_stream

# The kinds the EKS target applies: (apiVersion, kind). Others are refused with this list.
SUPPORTED_KINDS: tuple[tuple[str, str], ...] = (
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
)
# RFC 1123 subdomain, as the API server checks object names.
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
MAX_NAME = 253


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object as written in a manifest file, with the lines of its fields."""

    document: YamlDocument
    path: Loc  # where the object is in its document: () or ("items", n) in a List
    body: dict[str, Any]

    @property
    def file(self) -> str:
        return self.document.file

    @property
    def line(self) -> int:
        return self.document.line_of(self.path)

    def problem(self, path: Loc, message: str, value: Any = None) -> Problem:
        """A problem at `path` inside this object, with its line in the file."""
        return self.document.problem((*self.path, *path), message, value)

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def api_version(self) -> str:
        return str(self.body["apiVersion"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def namespace(self) -> str | None:
        namespace = self.body["metadata"].get("namespace")
        return None if namespace is None else str(namespace)

    def where(self) -> str:
        return f"{self.file} (line {self.line})"

    def copy_body(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


def parse_manifests(files: Iterable[tuple[str, str]]) -> list[Manifest]:
    """The objects of `files` ((name, text) pairs) in file order; InvalidDocument naming every
    problem (file and line) when one does not parse or is not an object the target applies."""
    manifests: list[Manifest] = []
    problems: list[Problem] = []
    for file, text in files:
        try:
            documents = load_yaml_stream(text, file)
        except InvalidDocument as exc:
            problems.extend(exc.problems)
            continue
        if not documents:
            problems.append(Problem(file, "top level", "the file holds no Kubernetes object", 1))
        for document in documents:
            problems.extend(document.problems)
            for path, body in _objects(document):
                found = _object_problems(document, path, body)
                problems.extend(found)
                if not found:
                    manifests.append(Manifest(document, path, body))
    if problems:
        raise InvalidDocument(problems)
    _refuse_duplicates(manifests)
    return manifests


def _objects(document: YamlDocument) -> list[tuple[Loc, Any]]:
    """The objects of one document: itself, or the items of a `kind: List`."""
    data = document.data
    if (
        isinstance(data, dict)
        and data.get("kind") == "List"
        and isinstance(data.get("items"), list)
    ):
        return [(("items", index), item) for index, item in enumerate(data["items"])]
    return [((), data)]


def _object_problems(document: YamlDocument, path: Loc, body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return [document.problem(path, "a Kubernetes object must be a mapping", body)]
    problems = []
    for key in ("apiVersion", "kind"):
        if not isinstance(body.get(key), str) or not body[key]:
            problems.append(document.problem((*path, key), f"'{key}' is required (a string)"))
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        problems.append(document.problem((*path, "metadata"), "'metadata.name' is required"))
    else:
        name = metadata.get("name")
        if not isinstance(name, str) or not _NAME.match(name) or len(name) > MAX_NAME:
            problems.append(
                document.problem(
                    (*path, "metadata", "name"),
                    "'metadata.name' must be a DNS subdomain name: lowercase letters, digits, "
                    f"'-' and '.', starting and ending alphanumeric, at most {MAX_NAME} "
                    "characters",
                    name,
                )
            )
    if problems:
        return problems
    if (body["apiVersion"], body["kind"]) not in SUPPORTED_KINDS:
        supported = ", ".join(f"{kind} ({version})" for version, kind in SUPPORTED_KINDS)
        return [
            document.problem(
                (*path, "kind"),
                f"{body['apiVersion']} {body['kind']} is not applied by the EKS target; it "
                f"applies {supported}: apply other objects with your own tools",
                body["kind"],
            )
        ]
    return []


def _refuse_duplicates(manifests: list[Manifest]) -> None:
    seen: dict[tuple[str, str], Manifest] = {}
    problems = []
    for manifest in manifests:
        key = (manifest.kind, manifest.name)
        first = seen.setdefault(key, manifest)
        if first is not manifest:
            problems.append(
                manifest.problem(
                    ("metadata", "name"),
                    f"{manifest.kind} '{manifest.name}' is already defined in {first.where()}",
                    manifest.name,
                )
            )
    if problems:
        raise InvalidDocument(problems)
