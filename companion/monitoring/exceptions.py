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

from collections.abc import Callable, Mapping
from typing import Any

from .. import _aws
from .._errors import CompanionError

__all__ = [
    "AlertError",
    "BudgetError",
    "CostQueryError",
    "MonitoringConfigError",
    "MonitoringError",
    "PermissionDeniedError",
]

# What AWS's error codes mean is shared plumbing (companion._aws); re-exported here.
DENIED_CODES = _aws.DENIED_CODES
THROTTLING_CODES = _aws.THROTTLING_CODES


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
    code, aws_message = _aws.error_fields(getattr(exc, "response", None))
    if code in DENIED_CODES:
        return PermissionDeniedError(_aws.denied_action(aws_message, action), aws_message)
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


def aws_call(
    action: str, error_type: type[MonitoringError], method: Callable[..., Any], **request: Any
) -> Any:
    """Call one boto3 operation whose IAM action is ``action``; every failure becomes a
    :class:`MonitoringError` (:class:`PermissionDeniedError` for a denial, SNS's
    ``AuthorizationError`` included, else ``error_type``), raised ``from`` the botocore
    error."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return method(**request)
    except ClientError as exc:
        raise error_from_client_error(exc, action, error_type) from exc
    except NoCredentialsError as exc:
        raise MonitoringConfigError(
            f"{action}: no AWS credentials found; configure a profile (aws configure) or set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ) from exc
    except BotoCoreError as exc:  # connection failures, timeouts, invalid parameters
        raise error_type(f"{action} failed: {exc}") from exc
