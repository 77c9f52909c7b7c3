"""The stand-in's check of EKS bearer tokens: the shape `aws eks get-token` gives them, and
their SigV4 signature recomputed from the caller's secret key, as STS would check it when the
cluster's authenticator presents the URL.

What it checks: `k8s-aws-v1.` + base64url without padding; an https URL on STS's regional or
global host, path `/`, `Action=GetCallerIdentity`, `Version=2011-06-15`, algorithm
AWS4-HMAC-SHA256, a credential scope for the service `sts`, `X-Amz-Expires=60`, signed headers
exactly `host;x-k8s-aws-id`; signed less than 15 minutes ago; and a signature that matches the
cluster's name in the `x-k8s-aws-id` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

PREFIX = "k8s-aws-v1."
MAX_AGE = timedelta(minutes=15)
_HOST = re.compile(r"^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$")


class TokenRefused(Exception):
    pass


@dataclass(frozen=True)
class Caller:
    access_key: str
    region: str
    session_token: str | None


def verify(token: str, cluster: str, secret_of: Callable[[str], str | None]) -> Caller:
    """The caller behind `token`, or TokenRefused saying what is wrong with it."""
    if not token.startswith(PREFIX):
        raise TokenRefused(f"the token does not start with {PREFIX}")
    encoded = token[len(PREFIX) :]
    if "=" in encoded or not re.fullmatch(r"[A-Za-z0-9_-]+", encoded):
        raise TokenRefused("the token is not base64url without padding")
    url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    parts = urlsplit(url)
    if parts.scheme != "https" or not _HOST.match(parts.netloc) or parts.path not in ("", "/"):
        raise TokenRefused(f"not an STS URL: {parts.scheme}://{parts.netloc}{parts.path}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    expected = {
        "Action": "GetCallerIdentity",
        "Version": "2011-06-15",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Expires": "60",
        "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
    }
    for key, value in expected.items():
        if query.get(key) != value:
            raise TokenRefused(f"{key} is {query.get(key)!r}, not {value!r}")
    access_key, date, region, service, terminal = query["X-Amz-Credential"].split("/")
    if service != "sts" or terminal != "aws4_request":
        raise TokenRefused("the credential scope is not sts/aws4_request")
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    age = datetime.now(UTC) - signed_at
    if age > MAX_AGE or age < -timedelta(minutes=5):
        raise TokenRefused(f"the token was signed {age} ago (at most {MAX_AGE} is accepted)")
    secret = secret_of(access_key)
    if secret is None:
        raise TokenRefused(f"unknown access key {access_key}")
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(query.items())
        if k != "X-Amz-Signature"
    )
    canonical = "\n".join(
        [
            "GET",
            "/",
            canonical_query,
            f"host:{parts.netloc}\nx-k8s-aws-id:{cluster}\n",
            "host;x-k8s-aws-id",
            hashlib.sha256(b"").hexdigest(),
        ]
    )
    scope = f"{date}/{region}/sts/aws4_request"
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            query["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    signing_key = f"AWS4{secret}".encode()
    for part in (date, region, "sts", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, query.get("X-Amz-Signature", "")):
        raise TokenRefused(f"the signature does not match (for cluster {cluster!r})")
    return Caller(access_key, region, query.get("X-Amz-Security-Token"))
