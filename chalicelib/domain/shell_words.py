"""A command line split into words as a POSIX shell would quote them, without ever running one.

Keptn's v1alpha1 webhooks are `curl ...` command lines. Quartermaster parses them instead of
handing them to a shell: single quotes keep everything, double quotes keep everything but `\\`
escapes of `"`, `\\`, `$` and backquote, and a backslash outside quotes escapes the next
character. A Go template action `{{ ... }}` is kept whole wherever it stands, so
`{{index .data "a-b"}}` stays one piece of its word and is rendered after splitting: what an
event's data holds can never add a word (an option) to the command.

Shell syntax that would do something in a shell (pipes, redirections, `;`, `&`, command
substitution, variables) cannot do it here, so it is refused rather than silently passed to
the receiver as text.
"""

from __future__ import annotations

from chalicelib.errors import InvalidInput

_SPACE = " \t\r\n"
_OPERATORS = {
    "|": "a pipe ('|')",
    ";": "a command separator (';')",
    "&": "'&'",
    ">": "a redirection ('>')",
    "<": "a redirection ('<')",
    "`": "command substitution (backquotes)",
    "(": "a subshell ('(')",
    ")": "a subshell (')')",
}
_DOUBLE_QUOTE_ESCAPES = '"\\$`\n'


def _refuse(what: str) -> InvalidInput:
    return InvalidInput(
        f"curl command: {what} is shell syntax; webhook commands are parsed, never run by a "
        "shell; quote it ('...') if it is meant as text"
    )


def _template_end(line: str, start: int) -> int:
    end = line.find("}}", start + 2)
    if end < 0:
        raise InvalidInput("curl command: a '{{' without its '}}'")
    return end + 2


def split_words(line: str) -> list[str]:
    """The words of `line`, quotes removed and template actions kept as written."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    position = 0
    while position < len(line):
        char = line[position]
        if line.startswith("{{", position):
            end = _template_end(line, position)
            current.append(line[position:end])
            in_word, position = True, end
        elif char in _SPACE:
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            position += 1
        elif char == "'":
            end = line.find("'", position + 1)
            if end < 0:
                raise InvalidInput("curl command: unbalanced quotes (a ' is never closed)")
            current.append(line[position + 1 : end])
            in_word, position = True, end + 1
        elif char == '"':
            position = _double_quoted(line, position + 1, current)
            in_word = True
        elif char == "\\":
            following = line[position + 1 : position + 2]
            if following != "\n":  # a backslash-newline joins lines
                current.append(following)
                in_word = True
            position += 2
        elif char == "$":
            raise _refuse("a shell variable or substitution ('$')")
        elif char in _OPERATORS:
            raise _refuse(_OPERATORS[char])
        else:
            current.append(char)
            in_word, position = True, position + 1
    if in_word:
        words.append("".join(current))
    return words


def _double_quoted(line: str, position: int, current: list[str]) -> int:
    """Read a double-quoted part starting after its quote; the offset after the closing one."""
    while position < len(line):
        char = line[position]
        if line.startswith("{{", position):
            end = _template_end(line, position)
            current.append(line[position:end])
            position = end
        elif char == '"':
            return position + 1
        elif char == "\\" and line[position + 1 : position + 2] in tuple(_DOUBLE_QUOTE_ESCAPES):
            following = line[position + 1]
            if following != "\n":
                current.append(following)
            position += 2
        elif char in "$`":
            raise _refuse("a shell variable or substitution inside double quotes")
        else:
            current.append(char)
            position += 1
    raise InvalidInput('curl command: unbalanced quotes (a " is never closed)')
