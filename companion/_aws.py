"""AWS plumbing shared by every sub-package that calls AWS: what an error code means, which
IAM action a denial names, and the parts of regions, account ids and ARNs.

Each sub-package still raises its own exceptions (``DeployError``, ``MonitoringError``,
``PriceListError``); this module only reads botocore's answers and checks names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ACCOUNT_ID",
    "DENIED_CODES",
    "NOT_FOUND_CODES",
    "PARTITIONS",
    "REGION",
    "THROTTLING_CODES",
    "Arn",
    "arn_pattern",
    "denied_action",
    "error_code",
    "error_fields",
    "parse_arn",
]

#: The codes AWS services use to say "these credentials may not do that" (SNS says
#: AuthorizationError, HTTP 403).
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
    }
)
#: The codes that mean "slow down"; botocore's standard and adaptive retry modes retry all of
#: them (Cost Explorer answers LimitExceededException when called too often).
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
#: The codes that mean "no such thing" across Lambda, IAM, SNS and SSM.
NOT_FOUND_CODES = frozenset(
    {"NotFound", "NotFoundException", "ResourceNotFoundException", "NoSuchEntity"}
)
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
ACCOUNT_ID = re.compile(r"\d{12}")
# AWS's denial messages say "... is not authorized to perform: ce:GetCostAndUsage on ...".
_ACTION_IN_MESSAGE = re.compile(r"perform: ([a-z0-9-]+:[A-Za-z0-9*]+)")
_PARTITION = "|".join(re.escape(p) for p in PARTITIONS)


def error_fields(response: object) -> tuple[str, str]:
    """``(code, message)`` of a botocore error response (``ClientError.response`` or a
    waiter's ``last_response``); empty strings where it has none."""
    error = response.get("Error", {}) if isinstance(response, Mapping) else {}
    if not isinstance(error, Mapping):
        return "", ""
    return str(error.get("Code", "")), str(error.get("Message", ""))


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for anything else)."""
    return error_fields(getattr(exc, "response", None))[0]


def denied_action(message: str, default: str) -> str:
    """The IAM action an access-denied ``message`` names, else ``default``."""
    stated = _ACTION_IN_MESSAGE.search(message)
    return stated.group(1) if stated else default


def arn_pattern(service: str, resource: str) -> re.Pattern[str]:
    """A compiled pattern for ``arn:<partition>:<service>:<region>:<account>:<resource>``
    (``resource`` is a regular expression), with named groups ``partition``, ``region``,
    ``account`` and ``resource``."""
    return re.compile(
        rf"arn:(?P<partition>{_PARTITION}):{re.escape(service)}:(?P<region>[a-z0-9-]+):"
        rf"(?P<account>\d{{12}}):(?P<resource>{resource})"
    )


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(arn: object, service: str | None = None) -> Arn | None:
    """An ARN's parts, or None when ``arn`` is not an ARN (of ``service``, when given)."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] not in PARTITIONS:
        return None
    if service is not None and parts[2] != service:
        return None
    if not ACCOUNT_ID.fullmatch(parts[4]) or not parts[5]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])
