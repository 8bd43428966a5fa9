"""Exceptions raised by :mod:`companion.monitoring`, and the one place AWS errors become them.

Every error is a :class:`MonitoringError` (a ``RuntimeError``), so a scheduled cost check can
catch one type and print one line. Bad arguments are :class:`MonitoringConfigError`, which is
also a ``ValueError``.

:func:`error_from_client_error` turns a botocore ``ClientError`` into the matching exception:
an access-denied answer becomes :class:`PermissionDeniedError` naming the IAM action the
credentials lack; a throttling answer (which botocore already retried) says so; anything else
becomes the caller's error type carrying AWS's own message. It reads the error duck-typed
(``exc.response``), so this module does not import botocore.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._errors import CompanionError

__all__ = [
    "DENIED_CODES",
    "THROTTLING_CODES",
    "AlertError",
    "BudgetError",
    "CostQueryError",
    "MonitoringConfigError",
    "MonitoringError",
    "PermissionDeniedError",
    "error_from_client_error",
]

# The codes AWS services use to say "these credentials may not do that".
DENIED_CODES = frozenset(
    # SNS says AuthorizationError (403).
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
    }
)
# The codes that mean "slow down"; botocore's standard and adaptive retry modes retry all of
# them (Cost Explorer answers LimitExceededException when called too often).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
    }
)
# AWS's denial messages say "... is not authorized to perform: ce:GetCostAndUsage on ...".
_ACTION_IN_MESSAGE = re.compile(r"perform: ([a-z0-9-]+:[A-Za-z0-9*]+)")


class MonitoringError(CompanionError, RuntimeError):
    """Base class: monitoring costs, budgets or alerts failed in a way the caller must handle."""


class CostQueryError(MonitoringError):
    """Cost Explorer refused a query or answered with something we cannot use (a non-USD unit,
    a pagination loop, throttling that outlasted the retries, ...)."""


class AlertError(MonitoringError):
    """An alert could not be delivered or its state could not be read or saved."""


class BudgetError(MonitoringError):
    """An AWS Budgets call failed, or a budget is not what we asked for."""


class MonitoringConfigError(MonitoringError, ValueError):
    """An argument or setting is invalid (a bad metric name, a non-positive day count, ...)."""


class PermissionDeniedError(MonitoringError):
    """The credentials lack an IAM permission. ``action`` is the IAM action they need, as it
    would appear in a policy's ``Action`` list (``"ce:GetCostAndUsage"``); ``aws_message`` is
    what AWS said, when it said something."""

    def __init__(self, action: str, aws_message: str = "") -> None:
        message = f"access denied: the credentials need the IAM action {action}"
        if aws_message:
            message += f"; AWS said: {aws_message}"
        super().__init__(message)
        self.action = action
        self.aws_message = aws_message

    def __reduce__(self) -> tuple[Any, ...]:  # keep it picklable despite the custom __init__
        return (type(self), (self.action, self.aws_message))


def _error_fields(exc: BaseException) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    error = response.get("Error", {}) if isinstance(response, Mapping) else {}
    if not isinstance(error, Mapping):
        return "", ""
    return str(error.get("Code", "")), str(error.get("Message", ""))


def _attempts(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return None
    retries = response.get("ResponseMetadata", {}).get("RetryAttempts")
    return retries + 1 if isinstance(retries, int) else None


def error_from_client_error(
    exc: BaseException, action: str, error_type: type[MonitoringError] = MonitoringError
) -> MonitoringError:
    """The exception to raise for a botocore ``ClientError`` raised while calling ``action``.

    ``action`` is the IAM action of the call (``"ce:GetCostAndUsage"``). An access-denied code
    gives a :class:`PermissionDeniedError` naming the action AWS's message names, else
    ``action``. Everything else gives ``error_type`` with a one-line message holding the
    action, the AWS error code and AWS's message. Raise the result ``from exc``.
    """
    code, aws_message = _error_fields(exc)
    if code in DENIED_CODES:
        stated = _ACTION_IN_MESSAGE.search(aws_message)
        return PermissionDeniedError(stated.group(1) if stated else action, aws_message)
    said = f"{code}: {aws_message}" if aws_message else code or str(exc)
    if code in THROTTLING_CODES:
        attempts = _attempts(exc)
        tried = f" after {attempts} attempts" if attempts else ""
        return error_type(
            f"{action} is being throttled by AWS{tried} ({said}); wait a minute and retry, "
            "or build the client with monitoring_client_config(max_attempts=...) "
            "to retry longer"
        )
    return error_type(f"{action} failed: {said}")
