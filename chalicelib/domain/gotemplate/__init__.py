"""The subset of Go's `text/template` that Keptn's webhook files use, with `missingkey=error`.

Keptn rendered each webhook request with Go's `text/template` over the whole event (as a JSON
map) plus `.env`. Users' files rely on that behaviour, so this package reproduces it for the
constructs webhook files use, and refuses the rest with a message naming the construct:

* text and actions `{{ ... }}`, the trim markers `{{- ` and ` -}}`, comments `{{/* ... */}}`;
* field chains `.data.x.y`, `.` and `$` (both the whole event), `$.data.x`;
* `{{if P}} ... {{else if Q}} ... {{else}} ... {{end}}`;
* the functions `index`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `and`, `or`, `not`, `len`, with
  string, number, `true`/`false`/`nil` literals and parenthesised calls as arguments.

Go's semantics are kept where users can see them: a missing map key is an error naming the key
(`missingkey=error`), while `index` of a missing key gives no value (as in Go); numbers print as
Go prints a JSON number (a float64: `95`, `0.5`, `1e+06`); an absent value prints `<no value>`,
maps print as `map[k:v]` and lists as `[a b]`.

No maintained Python implementation of Go's text/template is on PyPI (the one package that
names it wraps Go's own through CGo, a native build Lambda would have to carry), so this
package interprets exactly the subset above.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from chalicelib.domain.gotemplate.nodes import Node, execute
from chalicelib.domain.gotemplate.parser import parse_nodes
from chalicelib.domain.gotemplate.values import TemplateError

__all__ = ["Template", "TemplateError", "parse", "render"]


class Template:
    """A parsed template; `render` may be called any number of times."""

    def __init__(self, source: str, nodes: list[Node]) -> None:
        self.source = source
        self._nodes = nodes

    @property
    def is_plain_text(self) -> bool:
        """True when the template has no action (renders to itself)."""
        return all(isinstance(node, str) for node in self._nodes)

    def render(self, data: Mapping[str, Any]) -> str:
        """The text for `data`; TemplateError naming the field or key that failed."""
        out: list[str] = []
        execute(self._nodes, data, out)
        return "".join(out)


@lru_cache(maxsize=1024)
def parse(source: str) -> Template:
    """Parse `source`; TemplateError saying what is wrong and where. Parsed templates are kept:
    a webhook's templates are the same for every event."""
    return Template(source, parse_nodes(source))


def render(source: str, data: Mapping[str, Any]) -> str:
    """Parse and render in one go."""
    return parse(source).render(data)
