"""The SSRF guard: may a webhook send to this URL, and to which address exactly?

`check_url` parses the URL, refuses schemes other than http(s), credentials in the URL and odd
host syntax, turns the host into addresses (a literal in any spelling, or what the resolver
answers), and refuses the URL unless every address is public or allowed by the operator's
allow list (deny list first). The answer, a `Target`, is the address the sender must connect
to: the sender never resolves the name again, so a DNS answer that changes between the check
and the connection (rebinding) cannot take it elsewhere. Every refusal is a `Refused` naming
the rule.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from chalicelib.domain.address_ranges import IpAddress, IpNetwork, ipv4_from_any_spelling
from chalicelib.domain.address_ranges import refusal_rule as _class_rule
from chalicelib.errors import InvalidInput

_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Resolve a host name to its addresses (the adapter: getaddrinfo); OSError when it cannot.
Resolver = Callable[[str], Sequence[str]]


class Refused(InvalidInput):
    """The URL may not be requested; the message says which rule refused it and why."""


@dataclass(frozen=True)
class GuardPolicy:
    """The operator's lists (chalicelib/settings.py): the deny list wins over the allow list,
    which wins over the address classes. Host entries match the name and, written `.x` or
    `*.x`, every name under x."""

    allow_networks: tuple[IpNetwork, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    deny_networks: tuple[IpNetwork, ...] = ()
    deny_hosts: tuple[str, ...] = ()

    @classmethod
    def from_lists(cls, allow: Sequence[str], deny: Sequence[str]) -> GuardPolicy:
        """From entries that are CIDRs, addresses or host names (InvalidInput otherwise)."""
        sides: list[tuple[list[IpNetwork], list[str]]] = [([], []), ([], [])]
        for side, entries in zip(sides, (allow, deny), strict=True):
            for raw in entries:
                entry = raw.strip().lower()
                if not entry:
                    continue
                try:
                    side[0].append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    if not _NAME.match(entry.removeprefix("*.").removeprefix(".")):
                        raise InvalidInput(
                            f"webhook address list entry '{raw}' is neither a CIDR, an address "
                            "nor a host name"
                        ) from None
                    side[1].append(entry.rstrip("."))
        return cls(tuple(sides[0][0]), tuple(sides[0][1]), tuple(sides[1][0]), tuple(sides[1][1]))


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to `address` and say `host` (Host header, TLS server name)."""

    url: str  # the URL as checked
    scheme: str
    host: str  # the host name (or address literal) of the URL, lowercased
    port: int
    address: str  # the address to connect to
    is_name: bool  # the host is a name (send it as TLS SNI), not an address literal

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if ":" in self.address else self.address
        netloc = literal if parts.port is None else f"{literal}:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _matches(host: str, entries: Sequence[str]) -> bool:
    for entry in entries:
        suffix = entry.removeprefix("*")
        if host == entry or (suffix.startswith(".") and host.endswith(suffix)):
            return True
    return False


def _parts(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise Refused(f"URL '{url}' is refused: it is not a valid URL ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused(f"URL '{url}' is refused: scheme '{scheme}' is not http or https")
    if "@" in parts.netloc:
        raise Refused(
            f"URL '{_masked(parts)}' is refused: credentials in URLs are not allowed; send "
            "them in a header from a secret ({{.env.<name>}})"
        )
    if not parts.hostname:
        raise Refused(f"URL '{url}' is refused: it names no host")
    return parts


def _masked(parts: SplitResult) -> str:
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def _host(parts: SplitResult, url: str) -> tuple[str, IpAddress | None]:
    """The host in its one canonical form, and the address when it is a literal."""
    raw = parts.hostname or ""
    if "%" in raw or any(char in raw for char in "\\ \t"):
        raise Refused(f"URL '{url}' is refused: the host '{raw}' holds escapes or spaces")
    try:
        host = raw.encode("idna").decode("ascii").lower() if not raw.isascii() else raw.lower()
    except UnicodeError as error:
        raise Refused(f"URL '{url}' is refused: the host '{raw}' is not a valid name") from error
    if parts.netloc.rpartition("@")[2].startswith("["):
        try:
            return host, ipaddress.IPv6Address(host)
        except ValueError as error:
            raise Refused(f"URL '{url}' is refused: '{host}' is not an IPv6 address") from error
    try:
        literal = ipv4_from_any_spelling(host)
    except ValueError as error:
        raise Refused(f"URL '{url}' is refused: {error}") from error
    if literal is None and not _NAME.match(host):
        raise Refused(f"URL '{url}' is refused: '{host}' is not a valid host name")
    return host.rstrip(".") if literal is None else host, literal


def _check_address(address: IpAddress, host: str, url: str, policy: GuardPolicy) -> None:
    if any(address.version == n.version and address in n for n in policy.deny_networks):
        raise Refused(f"URL '{url}' is refused: {address} is on the operator's deny list")
    if _matches(host, policy.allow_hosts) or any(
        address.version == n.version and address in n for n in policy.allow_networks
    ):
        return
    rule = _class_rule(address)
    if rule:
        shown = host if host == str(address) else f"{host} ({address})"
        raise Refused(f"URL '{url}' is refused: {shown} is in a refused range: {rule}")


def check_url(url: str, resolve: Resolver, policy: GuardPolicy) -> Target:
    """The Target to connect to for `url`, or Refused naming the rule."""
    parts = _parts(url)
    scheme = parts.scheme.lower()
    host, literal = _host(parts, url)
    port = parts.port or DEFAULT_PORTS[scheme]
    if _matches(host, policy.deny_hosts):
        raise Refused(f"URL '{url}' is refused: host '{host}' is on the operator's deny list")
    if literal is not None:
        _check_address(literal, host, url, policy)
        return Target(url, scheme, host, port, str(literal), is_name=False)
    if (host == "localhost" or host.endswith(".localhost")) and not _matches(
        host, policy.allow_hosts
    ):
        raise Refused(f"URL '{url}' is refused: '{host}' always names the loopback interface")
    try:
        answers = [ipaddress.ip_address(answer.split("%")[0]) for answer in resolve(host)]
    except (OSError, ValueError) as error:
        raise Refused(f"URL '{url}' is refused: host '{host}' could not be resolved") from error
    if not answers:
        raise Refused(f"URL '{url}' is refused: host '{host}' has no address")
    for address in answers:  # every answer: a client library could pick any of them
        _check_address(address, host, url, policy)
    return Target(url, scheme, host, port, str(answers[0]), is_name=True)
