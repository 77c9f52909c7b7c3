"""The SSRF guard: a table of hostile URLs, each refused with the rule that refused it and
nothing sent; public addresses pass and are connected to as checked.

Every row goes through `exchange` (the executor's HTTP step) with a scripted resolver and a
recording sender, so "refused" means no byte left for that address, and redirects are followed
or refused exactly as for a real webhook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.domain.address_guard import GuardPolicy, Refused, check_url
from chalicelib.domain.outgoing_request import HttpResponse, OutgoingRequest
from chalicelib.services.webhooks.http import RequestFailed, exchange
from tests.fakes_webhooks import RecordingSender, ScriptedResolver, webhook_deps

PUBLIC = "93.184.216.34"
DNS = {
    "internal.example": [["10.1.2.3"]],
    "shared.example": [["100.64.0.7"]],
    "mixed.example": [[PUBLIC, "192.168.1.10"]],
    "metadata.example": [["169.254.169.254"]],
    "v6metadata.example": [["fd00:ec2::254"]],
    "mapped.example": [["::ffff:10.0.0.1"]],
    # Rebinding: public when checked, private when asked again (on the redirect to itself).
    "rebind.example": [[PUBLIC], ["10.0.0.8"]],
    "public.example": [[PUBLIC]],
    "redirector.example": [[PUBLIC]],
    "v6public.example": [["2606:4700:4700::1111"]],
}
REDIRECTS = {
    "http://redirector.example/meta": "http://169.254.169.254/latest/meta-data/",
    "http://redirector.example/odd": "http://0xA9FEA9FE/latest/",
    "http://rebind.example/": "http://rebind.example/admin",
    "http://redirector.example/file": "file:///etc/passwd",
}


@dataclass(frozen=True)
class Row:
    url: str
    reason: str  # what the refusal must say
    follow: bool = True  # curl --location: redirects are followed, each hop checked
    deny: tuple[str, ...] = field(default=())


HOSTILE = [
    Row("http://127.0.0.1/", "loopback (127.0.0.0/8)"),
    Row("http://localhost:8080/", "'localhost' always names the loopback interface"),
    Row("http://api.localhost/", "'api.localhost' always names the loopback interface"),
    Row("http://2130706433/", "2130706433 (127.0.0.1) is in a refused range: loopback"),
    Row("http://0x7f000001/", "(127.0.0.1) is in a refused range: loopback"),
    Row("http://0177.0.0.1/", "(127.0.0.1) is in a refused range: loopback"),
    Row("http://127.1/", "127.1 (127.0.0.1) is in a refused range: loopback"),
    Row("http://0x7f.0.0.1./", "(127.0.0.1) is in a refused range: loopback"),
    Row("http://[::1]:9000/", "loopback (::1)"),
    Row("http://0.0.0.0/", "unspecified address"),
    Row("http://0/", "0 (0.0.0.0) is in a refused range: unspecified"),
    Row("http://[::]/", "unspecified address (::)"),
    Row("http://169.254.169.254/latest/meta-data/", "cloud metadata service"),
    Row("http://[fd00:ec2::254]/latest/", "cloud metadata service (AWS, IPv6)"),
    Row("http://100.100.100.200/", "cloud metadata service (Alibaba Cloud)"),
    Row("http://169.254.170.2/v2/credentials", "container metadata service (Amazon ECS)"),
    Row("http://169.254.10.1/", "link-local (169.254.0.0/16)"),
    Row("http://[fe80::1]/", "link-local (fe80::/10)"),
    Row("http://10.0.0.1/", "private network (10.0.0.0/8)"),
    Row("http://172.16.5.4/", "private network (172.16.0.0/12)"),
    Row("http://192.168.0.1/", "private network (192.168.0.0/16)"),
    Row("http://[fc00::1]/", "unique local address"),
    Row("http://100.64.0.1/", "shared address space (carrier-grade NAT"),
    Row("http://224.0.0.1/", "multicast (224.0.0.0/4)"),
    Row("http://[ff02::1]/", "multicast (ff00::/8)"),
    Row("http://240.0.0.1/", "reserved (240.0.0.0/4"),
    Row("http://255.255.255.255/", "reserved (240.0.0.0/4, with the broadcast address)"),
    Row("http://192.0.2.10/", "documentation range (192.0.2.0/24)"),
    Row("http://198.51.100.1/", "documentation range (198.51.100.0/24)"),
    Row("http://[2001:db8::1]/", "documentation range (2001:db8::/32)"),
    Row("http://198.18.0.1/", "benchmarking range"),
    Row("http://[::ffff:127.0.0.1]/", "IPv4-mapped IPv6 address"),
    Row("http://[::ffff:a9fe:a9fe]/", "IPv4-mapped IPv6 address"),
    Row("http://[::127.0.0.1]/", "IPv4-compatible IPv6 address"),
    Row("http://[64:ff9b::a9fe:a9fe]/", "NAT64 address"),
    Row("http://[2002:a9fe:a9fe::1]/", "6to4 address"),
    Row("http://internal.example/", "internal.example (10.1.2.3) is in a refused range: private"),
    Row("http://shared.example/", "shared.example (100.64.0.7) is in a refused range: shared"),
    Row("http://mixed.example/", "mixed.example (192.168.1.10) is in a refused range: private"),
    Row("http://metadata.example/", "metadata.example (169.254.169.254) is in a refused range"),
    Row("http://v6metadata.example/", "(fd00:ec2::254) is in a refused range: cloud metadata"),
    Row("http://mapped.example/", "IPv4-mapped IPv6 address"),
    Row("http://rebind.example/", "rebind.example (10.0.0.8) is in a refused range: private"),
    Row("http://redirector.example/meta", "169.254.169.254 is in a refused range: cloud metadata"),
    Row("http://redirector.example/odd", "(169.254.169.254) is in a refused range: cloud metadata"),
    Row("http://redirector.example/meta", "redirects are not followed", follow=False),
    Row("http://redirector.example/file", "scheme 'file' is not http or https"),
    Row("file:///etc/passwd", "scheme 'file' is not http or https"),
    Row("gopher://public.example:25/", "scheme 'gopher' is not http or https"),
    Row("ftp://public.example/", "scheme 'ftp' is not http or https"),
    Row("http://user:pw@public.example/", "credentials in URLs are not allowed"),
    Row("https://token@public.example/", "credentials in URLs are not allowed"),
    Row("http://1.2.3.4.5/", "looks like an IPv4 address but is not one"),
    Row("http://256.1.1.1/", "a part is out of range"),
    Row("http://[fe80::1%25eth0]/", "holds escapes or spaces"),
    Row("http://public.example%2f@x/", "credentials in URLs are not allowed"),
    Row("http://nowhere.example/", "host 'nowhere.example' could not be resolved"),
    Row(
        "http://public.example/",
        "host 'public.example' is on the operator's deny list",
        deny=("public.example",),
    ),
    Row("http://sub.public.example/", "is on the operator's deny list", deny=("*.public.example",)),
    Row(
        "http://93.184.216.34/",
        "93.184.216.34 is on the operator's deny list",
        deny=("93.184.0.0/16",),
    ),
]


def _reply(target: object, request: OutgoingRequest) -> HttpResponse:
    location = REDIRECTS.get(request.url)
    if location:
        return HttpResponse(302, (("Location", location),), b"")
    return HttpResponse(200, (), b"ok")


def test_the_table_covers_every_class_with_at_least_25_urls() -> None:
    assert len(HOSTILE) >= 25
    reasons = " ".join(row.reason for row in HOSTILE)
    for rule in ("loopback", "unspecified", "metadata", "link-local", "private", "shared",
                 "multicast", "reserved", "documentation", "IPv4-mapped", "IPv4-compatible",
                 "scheme", "credentials", "deny list"):  # fmt: skip
        assert rule in reasons, rule


@pytest.mark.parametrize(
    "row", HOSTILE, ids=lambda row: row.url + ("" if row.follow else " (no -L)")
)
def test_a_hostile_url_is_refused_with_its_reason_and_nothing_reaches_it(row: Row) -> None:
    sender = RecordingSender(_reply)
    deps = webhook_deps(resolver=ScriptedResolver(DNS), sender=sender, deny=row.deny)
    request = OutgoingRequest(method="POST", url=row.url, body="{}", follow_redirects=row.follow)
    with pytest.raises(RequestFailed) as failed:
        exchange(request, deps)
    assert row.reason in failed.value.message
    for target, _ in sender.sent:  # only the public first hop of a redirect was contacted
        assert target.address in (PUBLIC,), target


@pytest.mark.parametrize(
    ("url", "address", "host_header"),
    [
        ("https://public.example/hook", PUBLIC, "public.example"),
        ("http://public.example:8080/a?b=c", PUBLIC, "public.example:8080"),
        ("https://93.184.216.34/x", PUBLIC, "93.184.216.34"),
        ("https://v6public.example/", "2606:4700:4700::1111", "v6public.example"),
        ("https://[2606:4700:4700::1111]/", "2606:4700:4700::1111", "[2606:4700:4700::1111]"),
    ],
)
def test_public_addresses_pass_and_are_connected_to_as_checked(
    url: str, address: str, host_header: str
) -> None:
    sender = RecordingSender(_reply)
    deps = webhook_deps(resolver=ScriptedResolver(DNS), sender=sender)
    assert exchange(OutgoingRequest(method="GET", url=url), deps).status == 200
    ((target, _),) = sender.sent
    assert (target.address, target.host_header) == (address, host_header)
    assert address in target.connect_url


def test_a_rebinding_name_is_resolved_once_and_connected_to_as_checked() -> None:
    """Checked public, then private if asked again: the sender gets the checked address and
    the name is never resolved a second time for that request."""
    resolver = ScriptedResolver(DNS)
    sender = RecordingSender()
    deps = webhook_deps(resolver=resolver, sender=sender)
    exchange(OutgoingRequest(method="GET", url="https://rebind.example/x"), deps)
    assert resolver.calls == ["rebind.example"]
    ((target, _),) = sender.sent
    assert target.address == PUBLIC
    assert target.connect_url == f"https://{PUBLIC}/x"
    assert (target.host, target.is_name) == ("rebind.example", True)  # Host header and SNI


def test_the_operator_allow_list_opens_an_address_and_the_deny_list_wins() -> None:
    policy = GuardPolicy.from_lists(["127.0.0.1/32", "internal.example"], [])
    resolve = ScriptedResolver(DNS).resolve
    assert check_url("http://127.0.0.1:8000/", resolve, policy).address == "127.0.0.1"
    assert check_url("http://internal.example/", resolve, policy).address == "10.1.2.3"
    with pytest.raises(Refused, match="loopback"):
        check_url("http://127.0.0.2/", resolve, policy)
    both = GuardPolicy.from_lists(["127.0.0.1"], ["127.0.0.0/8"])
    with pytest.raises(Refused, match="deny list"):
        check_url("http://127.0.0.1/", resolve, both)
    with pytest.raises(Exception, match="neither a CIDR, an address nor a host name"):
        GuardPolicy.from_lists(["not a host!"], [])
