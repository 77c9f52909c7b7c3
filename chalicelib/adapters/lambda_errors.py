"""Lambda's error answers as Quartermaster's errors: what a retry may fix (throttling, an update
in progress, a 5xx) is DependencyFailure; the rest says what is wrong with the target and how
to fix it, and is not retried."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import (
    DependencyFailure,
    Forbidden,
    InvalidInput,
    NotFound,
    QuartermasterError,
    TargetFailed,
)

_RETRYABLE = frozenset(
    {
        "ResourceConflictException",  # an update in progress
        "TooManyRequestsException",
        "ServiceException",
        "ThrottlingException",
        "EC2ThrottledException",
    }
)
_INVALID = frozenset({"InvalidParameterValueException", "ValidationException"})


def translated(where: str, operation: str, error: Any) -> QuartermasterError:
    """The error for a botocore ClientError of `operation` on the target `where`."""
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message") or code)
    if code == "ResourceNotFoundException":
        if operation == "get_function_configuration":
            return NotFound(
                f"{where}: {message}. Create the function first, or correct spec.function in "
                "target.yaml"
            )
        return NotFound(f"{where}: {message}")
    if code in ("AccessDeniedException", "AccessDenied"):
        return Forbidden(
            f"{where}: {operation} was denied ({message}); the function must be in "
            "QM_TARGET_FUNCTIONS (the deployer's policy), or the target's role must allow it"
        )
    if code in _INVALID:
        return InvalidInput(f"{where}: {operation}: {message}")
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in _RETRYABLE or status >= 500:
        return DependencyFailure(f"{where}: {operation}: {message}")
    return TargetFailed(f"{where}: {operation}: {message}")
