"""A `curl ...` command line (Keptn's v1alpha1 webhooks, and the `options` of v1beta1
requests) read into an OutgoingRequest, for the options Keptn's users wrote.

Keptn ran curl itself and refused `-o/--output`, `-F/--form`, `-T/--upload-file`,
`-K/--config` and `--data @file`. Quartermaster runs no curl: the options below are read into
the request model, and every other option is refused by name, including those that would
switch off the address checks or certificate verification. Options that change only what curl
prints (`-s`, `-S`, `-v`, `-i`, `-f`, `--fail-with-body`, `--compressed`) are accepted and change
nothing.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from chalicelib.domain.outgoing_request import METHODS, OutgoingRequest
from chalicelib.errors import InvalidInput

_QUIET = frozenset(
    {
        "-s", "--silent", "-S", "--show-error", "-f", "--fail", "--fail-with-body", "-i",
        "--include", "-v", "--verbose", "--compressed", "--http1.1", "--http2", "-#",
        "--progress-bar", "--no-progress-meter",
    }
)  # fmt: skip
_REFUSED = {
    "-o": "writes the response to a file",
    "--output": "writes the response to a file",
    "-O": "writes the response to a file",
    "--remote-name": "writes the response to a file",
    "-F": "uploads files (refused by Keptn too)",
    "--form": "uploads files (refused by Keptn too)",
    "-T": "uploads a file (refused by Keptn too)",
    "--upload-file": "uploads a file (refused by Keptn too)",
    "-K": "reads options from a file (refused by Keptn too)",
    "--config": "reads options from a file (refused by Keptn too)",
    "-k": "would skip TLS certificate verification",
    "--insecure": "would skip TLS certificate verification",
    "-x": "would send the request through a proxy, past the address checks",
    "--proxy": "would send the request through a proxy, past the address checks",
    "--resolve": "would pin a host name to an address, past the address checks",
    "--connect-to": "would connect elsewhere than the URL says, past the address checks",
    "--unix-socket": "would connect to a local socket",
    "--abstract-unix-socket": "would connect to a local socket",
    "--interface": "would choose the network interface",
    "--dns-servers": "would choose the DNS servers, past the address checks",
    "--doh-url": "would choose the DNS servers, past the address checks",
}
_DATA = frozenset({"-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--json"})
# Options that take a value, by short and long name (what they set is in `_apply`).
_VALUED = frozenset(
    {
        "-X", "--request", "-H", "--header", "-u", "--user", "-A", "--user-agent", "-e",
        "--referer", "-b", "--cookie", "-m", "--max-time", "--connect-timeout", "--retry",
        "--max-redirs", "--url", *_DATA,
    }
)  # fmt: skip
_FLAGS = frozenset({"-L", "--location", "-G", "--get", "-I", "--head"})
SUPPORTED = sorted((_VALUED | _FLAGS | _QUIET) - {"-#"})


class _Building:
    def __init__(self, request: OutgoingRequest) -> None:
        self.request = request
        self.data: list[str] = []
        self.json = False
        self.get = False
        self.method: str | None = None
        self.url: str | None = None


def _seconds(option: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise InvalidInput(f"curl option {option} '{value}': give seconds, from 0 to 3600")
    return seconds


def _count(option: str, value: str, most: int) -> int:
    if not value.isdigit() or int(value) > most:
        raise InvalidInput(f"curl option {option} '{value}': give a whole number up to {most}")
    return int(value)


def _apply(building: _Building, option: str, value: str) -> None:
    request = building.request
    if option in ("-X", "--request"):
        building.method = value.upper()
    elif option in ("-H", "--header"):
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise InvalidInput(f"curl option {option} '{value}': a header is 'Name: value'")
        building.request = replace(
            request, headers=(*request.headers, (name.strip(), text.strip()))
        )
    elif option in _DATA:
        if value.startswith("@") and option != "--data-raw":
            raise InvalidInput(f"curl option {option} '@...' reads a file; refused (as by Keptn)")
        building.data.append(value)
        building.json = building.json or option == "--json"
    elif option in ("-u", "--user"):
        token = base64.b64encode(value.encode()).decode()
        building.request = request.with_header("Authorization", f"Basic {token}")
    elif option in ("-A", "--user-agent"):
        building.request = request.with_header("User-Agent", value)
    elif option in ("-e", "--referer"):
        building.request = request.with_header("Referer", value)
    elif option in ("-b", "--cookie"):
        if "=" not in value:
            raise InvalidInput(f"curl option {option} '{value}' names a cookie file; refused")
        building.request = request.with_header("Cookie", value)
    elif option in ("-m", "--max-time"):
        building.request = replace(request, max_time=_seconds(option, value))
    elif option == "--connect-timeout":
        building.request = replace(request, connect_timeout=_seconds(option, value))
    elif option == "--retry":
        building.request = replace(request, retries=_count(option, value, 10))
    elif option == "--max-redirs":
        building.request = replace(request, max_redirects=_count(option, value, 20))
    elif option == "--url":
        building.url = value


def _flag(building: _Building, option: str) -> None:
    if option in ("-L", "--location"):
        building.request = replace(building.request, follow_redirects=True)
    elif option in ("-G", "--get"):
        building.get = True
    elif option in ("-I", "--head"):
        building.method = "HEAD"


def _refusal(option: str) -> InvalidInput:
    reason = _REFUSED.get(option)
    if reason:
        return InvalidInput(f"curl option {option} is refused: it {reason}")
    return InvalidInput(
        f"curl option {option} is not supported; the supported options are: {', '.join(SUPPORTED)}"
    )


def _read(words: list[str], building: _Building, positional: bool) -> None:
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            if not positional:
                raise InvalidInput(f"request options: '{word}' is not an option")
            building.url = word
            continue
        if word.startswith("--"):
            option, attached = word, None
        else:  # -sSL, -XPOST, -H'Accept: x'
            for position, letter in enumerate(word[1:], start=1):
                short = f"-{letter}"
                if short in _VALUED:
                    option, attached = short, word[position + 1 :] or None
                    break
                if short in _QUIET or short in _FLAGS:
                    _flag(building, short)
                    continue
                raise _refusal(short)
            else:
                continue
        if option in _QUIET or option in _FLAGS:
            _flag(building, option)
            continue
        if option not in _VALUED:
            raise _refusal(option)
        if attached is None:
            if index >= len(words):
                raise InvalidInput(f"curl option {option} needs a value")
            attached, index = words[index], index + 1
        _apply(building, option, attached)


def _finish(building: _Building) -> OutgoingRequest:
    request = building.request
    if building.url is None:
        raise InvalidInput("curl command: no URL given")
    method = building.method or request.method
    body = "&".join(building.data) if building.data else request.body
    if building.get and building.data:
        parts = urlsplit(building.url)
        query = "&".join(part for part in (parts.query, *building.data) if part)
        building.url = urlunsplit(parts._replace(query=query))
        body, method = None, building.method or "GET"
    elif building.data and building.method is None:
        method = "POST"
    if method not in METHODS:
        raise InvalidInput(f"curl command: method '{method}' is not one of {', '.join(METHODS)}")
    result = replace(request, method=method, url=building.url, body=body)
    if building.data and not building.get:
        content = "application/json" if building.json else "application/x-www-form-urlencoded"
        result = result.with_header("Content-Type", content)
        if building.json:
            result = result.with_header("Accept", "application/json")
    return result


def parse_curl(words: list[str]) -> OutgoingRequest:
    """The request of a whole `curl ...` command (already split into words and rendered)."""
    if not words or words[0] != "curl":
        first = words[0] if words else ""
        raise InvalidInput(f"curl command: must start with 'curl', not '{first}'")
    building = _Building(OutgoingRequest(method="GET", url=""))
    _read(words[1:], building, positional=True)
    return _finish(building)


def apply_options(words: list[str], request: OutgoingRequest) -> OutgoingRequest:
    """A v1beta1 request's `options` (curl options without a URL) applied to `request`."""
    building = _Building(request)
    building.url = request.url
    building.method = request.method
    _read(words, building, positional=False)
    return _finish(building)
