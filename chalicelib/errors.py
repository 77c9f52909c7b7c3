"""The one error tree: every failure Quartermaster reports carries an HTTP status and a retry flag.

Messages name the entity and the fix, because they reach users verbatim through the API and CLI.
"""

from __future__ import annotations


class QuartermasterError(Exception):
    """Base of every error raised on purpose; anything else is a bug."""

    status_code: int = 500
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(QuartermasterError):
    """The request or document is wrong; the message says where and how to fix it."""

    status_code = 400


class Unauthenticated(QuartermasterError):
    """No credentials were presented."""

    status_code = 401


class Forbidden(QuartermasterError):
    """Credentials were presented but are not valid."""

    status_code = 403


class NotFound(QuartermasterError):
    """The named entity does not exist."""

    status_code = 404


class Conflict(QuartermasterError):
    """The request contradicts the current state (already exists, already decided, ...)."""

    status_code = 409


class ResourceChanged(Conflict):
    """A configuration file was changed by another commit after the writer read it (the write's
    optimistic check failed); an edit of the file can read it again and repeat itself."""

    def __init__(self, uri: str, where: str) -> None:
        super().__init__(
            f"{uri} of {where} was changed by another commit after it was read; nothing was "
            "written: read it again and repeat the change"
        )
        self.uri = uri
        self.where = where


class Gone(QuartermasterError):
    """The entity existed but can no longer be acted on (expired, finished)."""

    status_code = 410


class PayloadTooLarge(QuartermasterError):
    """The request exceeds a hard size limit."""

    status_code = 413


class DependencyFailure(QuartermasterError):
    """An AWS service or remote tool failed; trying again may succeed."""

    status_code = 503
    retryable = True


class TooManyRequests(QuartermasterError):
    """The client must wait `retry_after` seconds before trying again (sent as Retry-After)."""

    status_code = 429
    retryable = True

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TargetFailed(QuartermasterError):
    """A deployment target refused or failed a change (a rollout that never became ready, a
    code package the service rejects); the same change tried again would fail the same way."""

    status_code = 422
