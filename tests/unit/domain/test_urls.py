"""Credentials in URLs: which URLs carry them, and masking them in free text."""

from __future__ import annotations

import pytest

from chalicelib.domain.urls import has_credentials, userinfo_problem, without_userinfo


@pytest.mark.parametrize(
    ("url", "carries"),
    [
        ("http://admin:pw@prometheus:9090", True),
        ("https://token@prometheus.example.com", True),  # a token written as the user name
        ("HTTPS://admin@host", True),
        ("ssh://git:pw@host/repo.git", True),
        ("ssh://git@github.com/org/repo.git", False),  # a user name only, no secret
        ("git@github.com:org/repo.git", False),
        ("http://prometheus:9090/api@v1", False),  # an '@' in the path is no user-info
        ("http://prometheus:9090", False),
    ],
)
def test_which_urls_carry_credentials(url: str, carries: bool) -> None:
    assert has_credentials(url) is carries


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("http://admin:pw@prom:9090", "http://prom:9090"),
        ("http://admin:p@ss@prom:9090/x@y", "http://prom:9090/x@y"),  # '@' in the password
        (
            "Prometheus at http://u:secret@a did not answer (see https://v:other@b/q)",
            "Prometheus at http://a did not answer (see https://b/q)",
        ),
        ("'http://u:pw@host'", "'http://host'"),
        ("no url here: admin@example.com", "no url here: admin@example.com"),
        ("http://prom:9090/api/v1/query", "http://prom:9090/api/v1/query"),
    ],
)
def test_without_userinfo_masks_every_url_in_a_text(text: str, masked: str) -> None:
    assert without_userinfo(text) == masked


def test_the_refusal_names_the_field_and_never_shows_the_password() -> None:
    problem = userinfo_problem("http://admin:hunter2@prom:9090", "url", "use the secret")

    assert problem is not None
    assert problem.startswith("url 'http://prom:9090' must not contain a user name or password")
    assert problem.endswith("use the secret")
    assert "hunter2" not in problem
    assert "admin" not in problem
    assert userinfo_problem("http://prom:9090", "url", "use the secret") is None
