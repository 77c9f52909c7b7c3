"""Credentials in URLs: found, refused and masked.

A URL such as `http://admin:pw@prometheus:9090` carries its password wherever the URL goes
(stored settings, API answers, error messages, events on the bus). Quartermaster takes
credentials only from secrets, and masks the user-info part of any URL in a message it writes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# scheme://user:password@ -- the user-info ends at the last '@' before the host's '/', '?' or
# '#' (a password may itself hold an '@'); whitespace and quotes end a URL inside free text.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s'\"<>]*@")


def has_credentials(url: str) -> bool:
    """True when `url` carries a password, or any user-info at all over HTTP(S), where a token
    is often written as the user name (`https://<token>@host`). `ssh://git@host/repo` names
    only a user and passes."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "@" in url
    if "@" not in parts.netloc:
        return False
    return password is not None or parts.scheme.lower() in ("http", "https")


def without_userinfo(text: str) -> str:
    """`text` with the user-info of every URL in it removed (`http://a:b@h` -> `http://h`)."""
    return _USERINFO.sub(r"\1", text)


def userinfo_problem(url: str, field: str, secret_hint: str) -> str | None:
    """Why `url` may not be stored, or None: credentials belong in a secret, not in the URL.

    The message shows the URL without its credentials, so refusing it does not leak them.
    """
    if not has_credentials(url):
        return None
    return (
        f"{field} {without_userinfo(url)!r} must not contain a user name or password "
        f"(user:password@host): URLs are stored and shown in events and messages; "
        f"{secret_hint}"
    )
