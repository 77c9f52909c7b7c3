"""Tells which kind of Keptn configuration file a text is, and validates it as that kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel

from chalicelib.domain.yamldoc import (
    InvalidDocument,
    Problem,
    YamlDocument,
    load_yaml,
    sort_problems,
    validate_model,
)


class DocumentKind(StrEnum):
    """The configuration files Quartermaster understands."""

    SHIPYARD = "shipyard"
    UNIFORM = "uniform"
    REMEDIATION = "remediation"
    WEBHOOK = "webhook"
    SLO = "slo"
    SLI = "sli"
    TARGET = "target"
    UNKNOWN = "unknown"


SUPPORTED = (
    "shipyard (apiVersion spec.keptn.sh/0.2.x, kind Shipyard), "
    "uniform (kind Uniform), "
    "remediation (apiVersion spec.keptn.sh/0.1.4, kind Remediation), "
    "webhook (apiVersion webhookconfig.keptn.sh/v1beta1 or v1alpha1, kind WebhookConfig), "
    "SLO (objectives, total_score, comparison), "
    "SLI (indicators), "
    "target (apiVersion quartermaster.dev/v1, kind Target)"
)
_SLO_KEYS = ("objectives", "total_score", "comparison")
# Only used to name the kind of a file that cannot be parsed at all.
_BY_FILE_NAME = {
    "shipyard": DocumentKind.SHIPYARD,
    "uniform": DocumentKind.UNIFORM,
    "remediation": DocumentKind.REMEDIATION,
    "webhook": DocumentKind.WEBHOOK,
    "slo": DocumentKind.SLO,
    "sli": DocumentKind.SLI,
    "target": DocumentKind.TARGET,
}


# An upload refused for many problems names the first ones only, so the answer stays small.
MAX_PROBLEMS_SHOWN = 20
MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class DocumentReport:
    """The outcome of validating one file: its kind, one line per error and per warning.

    Warnings (valid but suspicious settings) never make a file invalid.
    """

    file: str
    kind: DocumentKind
    errors: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the file has no errors."""
        return not self.errors


def detect_kind(data: Any) -> DocumentKind:
    """The kind of a loaded document, from apiVersion/kind or, for SLO/SLI files, their keys."""
    if not isinstance(data, dict):
        return DocumentKind.UNKNOWN
    kind = data.get("kind")
    api_version = data.get("apiVersion")
    api = api_version if isinstance(api_version, str) else ""
    by_kind = {
        "Shipyard": DocumentKind.SHIPYARD,
        "Remediation": DocumentKind.REMEDIATION,
        "Uniform": DocumentKind.UNIFORM,
        "WebhookConfig": DocumentKind.WEBHOOK,
        "Target": DocumentKind.TARGET,
    }
    if isinstance(kind, str) and kind in by_kind:
        return by_kind[kind]
    if api.startswith("webhookconfig.keptn.sh/"):
        return DocumentKind.WEBHOOK
    if api.startswith("spec.keptn.sh/"):
        spec = data.get("spec")
        if isinstance(spec, dict) and "remediations" in spec:
            return DocumentKind.REMEDIATION
        return DocumentKind.SHIPYARD
    if "apiVersion" not in data and "stages" in data:
        return DocumentKind.SHIPYARD  # the pre-0.2 format, which the shipyard model refuses
    if _is_cloud_event(data):
        return DocumentKind.UNKNOWN
    if any(key in data for key in _SLO_KEYS):
        return DocumentKind.SLO
    if "indicators" in data:
        return DocumentKind.SLI
    return DocumentKind.UNKNOWN


def _is_cloud_event(data: dict[str, Any]) -> bool:
    return "specversion" in data and "type" in data


def kind_from_file_name(file: str) -> DocumentKind:
    """A guess from names such as `shipyard.yaml` or `prod_slo.yaml`, for unparsable files."""
    stem = PurePosixPath(file.replace("\\", "/")).stem.lower()
    for word, kind in _BY_FILE_NAME.items():
        if stem == word or stem.endswith((f"_{word}", f"-{word}")):
            return kind
    return DocumentKind.UNKNOWN


def model_for(kind: DocumentKind) -> type[BaseModel]:
    """The pydantic model that validates a document of this kind."""
    if kind is DocumentKind.SHIPYARD:
        from chalicelib.domain.shipyard import Shipyard

        return Shipyard
    if kind is DocumentKind.UNIFORM:
        from chalicelib.domain.uniform import Uniform

        return Uniform
    if kind is DocumentKind.REMEDIATION:
        from chalicelib.domain.remediation import Remediation

        return Remediation
    if kind is DocumentKind.WEBHOOK:
        from chalicelib.domain.webhook import WebhookConfig

        return WebhookConfig
    if kind is DocumentKind.SLO:
        # Imported on use: these models belong to the lighthouse's part of the domain.
        from chalicelib.domain.slo import SloFile

        return SloFile
    if kind is DocumentKind.SLI:
        from chalicelib.domain.sli import SliFile

        return SliFile
    if kind is DocumentKind.TARGET:
        from chalicelib.domain.targets import TargetFile

        return TargetFile
    raise ValueError(f"no model for documents of kind {kind}")


def validate_document(text: str, file: str) -> DocumentReport:
    """Load `text` (YAML or JSON), detect its kind and validate it; never raises for bad input."""
    try:
        doc = load_yaml(text, file)
    except InvalidDocument as exc:
        return DocumentReport(file, kind_from_file_name(file), exc.lines)
    kind = detect_kind(doc.data)
    if kind is DocumentKind.UNKNOWN:
        return DocumentReport(file, kind, [str(_unknown_kind(doc))])
    extra = _extra_errors(kind, doc)
    try:
        model = validate_model(doc, model_for(kind))
    except InvalidDocument as exc:
        return DocumentReport(file, kind, _lines(sort_problems([*exc.problems, *extra])))
    if extra:
        return DocumentReport(file, kind, _lines(sort_problems(extra)))
    return DocumentReport(file, kind, [], _lines(_warnings(kind, doc, model)))


def _lines(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


def _extra_errors(kind: DocumentKind, doc: YamlDocument) -> list[Problem]:
    """Errors beyond the model's: what the model must accept but the service cannot use."""
    if kind is DocumentKind.SLO:
        from chalicelib.domain.slo_checks import slo_errors

        return slo_errors(doc)
    return []


def _warnings(kind: DocumentKind, doc: YamlDocument, model: BaseModel) -> list[Problem]:
    if kind is DocumentKind.SHIPYARD:
        from chalicelib.domain.shipyard import Shipyard
        from chalicelib.domain.shipyard_checks import shipyard_warnings

        assert isinstance(model, Shipyard)
        return sort_problems(shipyard_warnings(doc, model))
    if kind is DocumentKind.SLO:
        from chalicelib.domain.slo import SloFile
        from chalicelib.domain.slo_checks import slo_warnings

        assert isinstance(model, SloFile)
        return sort_problems(slo_warnings(doc, model))
    return []


def _unknown_kind(doc: YamlDocument) -> object:
    if isinstance(doc.data, dict) and _is_cloud_event(doc.data):
        return doc.problem(
            (),
            "this is a CloudEvent (it has 'specversion' and 'type'), not a configuration "
            f"file; supported kinds: {SUPPORTED}",
        )
    return doc.problem((), f"cannot tell what kind of file this is; supported kinds: {SUPPORTED}")


def document_errors(text: str, file: str) -> list[str]:
    """The error lines of a document of any supported kind; empty when it is valid."""
    return validate_document(text, file).errors


def summarize_problems(lines: list[str]) -> str:
    """Error lines joined into one message of bounded size, one per line: the first ones, then
    how many more there are."""
    shown: list[str] = []
    size = 0
    for line in lines[:MAX_PROBLEMS_SHOWN]:
        if shown and size + len(line) > MAX_MESSAGE_CHARS:
            break
        shown.append(line[:MAX_MESSAGE_CHARS])
        size += len(line) + 2
    hidden = len(lines) - len(shown)
    if hidden:
        shown.append(
            f"... and {hidden} more problem{'s' if hidden > 1 else ''} "
            "(qm validate FILE lists them all)"
        )
    return "\n".join(shown)
