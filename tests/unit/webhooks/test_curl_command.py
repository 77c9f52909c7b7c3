"""v1alpha1 curl command lines: parsed into a request, never run; refused options named."""

from __future__ import annotations

import pytest

from chalicelib.domain.curl_command import apply_options, parse_curl
from chalicelib.domain.outgoing_request import OutgoingRequest
from chalicelib.domain.shell_words import split_words
from chalicelib.errors import InvalidInput


def curl(line: str) -> OutgoingRequest:
    return parse_curl(split_words(line))


def test_quotes_and_templates_are_split_as_a_shell_would_without_one() -> None:
    words = split_words(
        """curl -X POST -H 'Content-Type: application/json' """
        """--data "{\\"a\\": \\"{{index .data \\"k-1\\"}}\\"}" """
        """https://x/{{.data.project}}/y a\\ b"""
    )
    assert words == [
        "curl",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data",
        '{"a": "{{index .data \\"k-1\\"}}"}',
        "https://x/{{.data.project}}/y",
        "a b",
    ]


def test_a_typical_keptn_command_becomes_one_request() -> None:
    request = curl(
        "curl -sSL --request POST --header 'Authorization: Bearer t' "
        "--header 'Content-Type: application/json' --data '{\"x\": 1}' --max-time 5 "
        "https://ci.example.com/build"
    )
    assert request == OutgoingRequest(
        method="POST",
        url="https://ci.example.com/build",
        headers=(("Authorization", "Bearer t"), ("Content-Type", "application/json")),
        body='{"x": 1}',
        follow_redirects=True,
        max_time=5.0,
    )


def test_data_means_post_form_encoded_and_get_puts_it_in_the_query() -> None:
    posted = curl("curl -d a=1 -d b=2 https://x/y")
    assert (posted.method, posted.body) == ("POST", "a=1&b=2")
    assert posted.header("content-type") == "application/x-www-form-urlencoded"
    queried = curl("curl -G -d a=1 https://x/y?z=0")
    assert (queried.method, queried.url, queried.body) == ("GET", "https://x/y?z=0&a=1", None)
    assert curl("curl -I https://x").method == "HEAD"
    assert curl("curl -XDELETE https://x").method == "DELETE"
    assert curl("curl --json '{}' https://x").header("accept") == "application/json"


def test_user_becomes_basic_auth() -> None:
    assert curl("curl -u me:pw https://x").header("authorization") == "Basic bWU6cHc="


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("curl -o /tmp/x https://x", "curl option -o is refused: it writes the response to a file"),
        ("curl --output x https://x", "curl option --output is refused"),
        ("curl -F f=@x https://x", "curl option -F is refused: it uploads files"),
        ("curl -T x https://x", "curl option -T is refused: it uploads a file"),
        ("curl -K cfg https://x", "curl option -K is refused: it reads options from a file"),
        (
            "curl -k https://x",
            "curl option -k is refused: it would skip TLS certificate verification",
        ),
        ("curl -sk https://x", "curl option -k is refused"),
        ("curl --proxy http://p https://x", "curl option --proxy is refused"),
        ("curl --resolve x:443:10.0.0.1 https://x", "curl option --resolve is refused"),
        (
            "curl --unix-socket /var/run/docker.sock http://x",
            "curl option --unix-socket is refused",
        ),
        ("curl -d @/etc/passwd https://x", "curl option -d '@...' reads a file"),
        ("curl --libcurl x https://x", "curl option --libcurl is not supported; the supported"),
        ("curl https://x | sh", "curl command: a pipe ('|') is shell syntax"),
        ("curl https://x; rm -rf /", "curl command: a command separator (';') is shell syntax"),
        ("curl https://x > out", "curl command: a redirection ('>') is shell syntax"),
        ("curl $(cat url)", "curl command: a shell variable or substitution ('$')"),
        ("curl `cat url`", "curl command: command substitution (backquotes)"),
        ("curl 'https://x", "curl command: unbalanced quotes"),
        ("wget https://x", "curl command: must start with 'curl', not 'wget'"),
        ("curl -X", "curl option -X needs a value"),
        ("curl -m 99999 https://x", "curl option -m '99999': give seconds"),
        ("curl -H nocolon https://x", "curl option -H 'nocolon': a header is 'Name: value'"),
        ("curl -X BREW https://x", "curl command: method 'BREW' is not one of"),
        ("curl -s", "curl command: no URL given"),
    ],
)
def test_refusals_name_the_option_or_the_syntax(line: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        curl(line)
    assert error.value.message.startswith(message)


def test_shell_characters_inside_quotes_are_text() -> None:
    request = curl("curl -d '$HOME; a | b > c & `d`' https://x")
    assert request.body == "$HOME; a | b > c & `d`"


def test_v1beta1_options_apply_to_a_structured_request() -> None:
    base = OutgoingRequest(method="PUT", url="https://x/y", body="{}")
    changed = apply_options(split_words("--max-time 3 --connect-timeout 1 -L --retry 0"), base)
    assert (changed.method, changed.url, changed.body) == ("PUT", "https://x/y", "{}")
    assert (changed.max_time, changed.connect_timeout, changed.retries) == (3.0, 1.0, 0)
    assert changed.follow_redirects
    with pytest.raises(InvalidInput, match="'https://other' is not an option"):
        apply_options(["https://other"], base)
