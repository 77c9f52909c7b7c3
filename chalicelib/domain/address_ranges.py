"""Address ranges a webhook may never reach, each with the rule that names it in a refusal,
and the spellings of an IPv4 address that are not dotted decimal.

Keptn's webhook service refused URLs by substring (`localhost`, `127.0.0.1`, `kubernetes`...),
which `http://2130706433/`, `http://0x7f.1/`, a DNS name pointing at 10.0.0.5 or
`http://169.254.169.254/` all pass. Quartermaster refuses by address class instead, after
turning every spelling into the address a client would really connect to.
"""

from __future__ import annotations

import ipaddress
import re

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services: named first so a refusal says what the address is.
METADATA = {
    "169.254.169.254/32": "cloud metadata service (AWS, Azure, GCP, OpenStack)",
    "169.254.170.2/32": "container metadata service (Amazon ECS)",
    "169.254.169.123/32": "cloud time service (AWS)",
    "100.100.100.200/32": "cloud metadata service (Alibaba Cloud)",
    "192.0.0.192/32": "cloud metadata service (Oracle Cloud)",
    "fd00:ec2::254/128": "cloud metadata service (AWS, IPv6)",
    "fd00:ec2::123/128": "cloud time service (AWS, IPv6)",
}
BLOCKED = {
    "0.0.0.0/8": "unspecified address ('this network', 0.0.0.0/8)",
    "127.0.0.0/8": "loopback (127.0.0.0/8)",
    "10.0.0.0/8": "private network (10.0.0.0/8)",
    "172.16.0.0/12": "private network (172.16.0.0/12)",
    "192.168.0.0/16": "private network (192.168.0.0/16)",
    "100.64.0.0/10": "shared address space (carrier-grade NAT, 100.64.0.0/10)",
    "169.254.0.0/16": "link-local (169.254.0.0/16)",
    "192.0.0.0/24": "IETF protocol assignments (192.0.0.0/24)",
    "192.0.2.0/24": "documentation range (192.0.2.0/24)",
    "198.51.100.0/24": "documentation range (198.51.100.0/24)",
    "203.0.113.0/24": "documentation range (203.0.113.0/24)",
    "192.88.99.0/24": "reserved (6to4 relay anycast, 192.88.99.0/24)",
    "198.18.0.0/15": "benchmarking range (198.18.0.0/15)",
    "224.0.0.0/4": "multicast (224.0.0.0/4)",
    "240.0.0.0/4": "reserved (240.0.0.0/4, with the broadcast address)",
    "::/128": "unspecified address (::)",
    "::1/128": "loopback (::1)",
    "::ffff:0:0/96": "IPv4-mapped IPv6 address (::ffff:a.b.c.d)",
    "::/96": "IPv4-compatible IPv6 address (::a.b.c.d)",
    "64:ff9b::/96": "NAT64 address (64:ff9b::/96, embeds an IPv4 address)",
    "64:ff9b:1::/48": "local NAT64 address (64:ff9b:1::/48)",
    "100::/64": "discard-only range (100::/64)",
    "2001::/32": "Teredo address (2001::/32, embeds an IPv4 address)",
    "2001:db8::/32": "documentation range (2001:db8::/32)",
    "2001:10::/28": "reserved (ORCHID, 2001:10::/28)",
    "2001:20::/28": "reserved (ORCHIDv2, 2001:20::/28)",
    "2002::/16": "6to4 address (2002::/16, embeds an IPv4 address)",
    "fc00::/7": "unique local address (private IPv6, fc00::/7)",
    "fe80::/10": "link-local (fe80::/10)",
    "fec0::/10": "site-local (deprecated, fec0::/10)",
    "ff00::/8": "multicast (ff00::/8)",
}
_RULES: tuple[tuple[IpNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), rule) for network, rule in (METADATA | BLOCKED).items()
)
_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def refusal_rule(address: IpAddress) -> str | None:
    """The rule that refuses `address`, or None for a public address."""
    for network, rule in _RULES:
        if address.version == network.version and address in network:
            return rule
    if not address.is_global:  # anything IANA lists as not globally reachable
        return "not a globally reachable address"
    return None


def _ipv4_part(text: str) -> int:
    if text[:2].lower() == "0x":
        return int(text[2:] or "0", 16)
    if len(text) > 1 and text.startswith("0"):
        return int(text, 8)
    return int(text, 10)


def ipv4_from_any_spelling(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address `host` denotes in any spelling a client accepts (inet_aton's and the
    URL standard's: `2130706433`, `0x7f.1`, `0177.0.0.01`, `127.1`, a trailing dot); None when
    `host` is a name. ValueError when it looks numeric but is no address (`1.2.3.4.5`,
    `256.0.0.1`, `08.1.1.1`): clients disagree on such hosts, so they are refused."""
    parts = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not parts or not _NUMERIC_PART.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        raise ValueError(f"'{host}' looks like an IPv4 address but is not one")
    try:
        numbers = [_ipv4_part(part) for part in parts]
    except ValueError as error:
        raise ValueError(f"'{host}' looks like an IPv4 address but is not one") from error
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"'{host}' looks like an IPv4 address but a part is out of range")
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)
