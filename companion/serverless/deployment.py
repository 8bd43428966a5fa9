"""Deploy the course's sentiment Lambda with boto3, idempotently.

``deploy`` creates what is missing and updates what exists, so running it twice is safe: the IAM
execution role ``<function_name>-role`` (trust: ``lambda.amazonaws.com``) with one inline policy
``<function_name>-logs`` that may only write to the function's own log group; the log group
``/aws/lambda/<function_name>`` with a retention period (the deploy script creates it, so the
function is never granted ``logs:CreateLogGroup``); the function itself; and its front door, a
Lambda function URL, an API Gateway HTTP API, or none. ``destroy`` removes all of it.

This is a thin adapter: every boto3 client is passed in (tests hand it moto's), nothing here
reads credentials. An ``AccessDenied``-type answer becomes a :class:`DeployError` naming the
IAM action the credentials lack; every other AWS error propagates unchanged.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import ClientError, WaiterError

from companion import _aws, _checks

from .._errors import CompanionError
from .limits import (
    ARCHITECTURES,
    DEFAULT_RUNTIME,
    MEMORY_MB_RANGE,
    RUNTIMES,
    TIMEOUT_S_RANGE,
    ZIP_DIRECT_UPLOAD_LIMIT_BYTES,
)

__all__ = [
    "AUTH_TYPES",
    "FRONT_DOORS",
    "LOG_RETENTION_DAYS",
    "DeployError",
    "DeployResult",
    "FunctionConfig",
    "deploy",
    "destroy",
    "lambda_trust_policy",
    "least_privilege_policy",
]

Architecture = Literal["x86_64", "arm64"]
FrontDoor = Literal["function-url", "http-api", "none"]
AuthType = Literal["NONE", "AWS_IAM"]

FRONT_DOORS: tuple[str, ...] = ("function-url", "http-api", "none")
AUTH_TYPES: tuple[str, ...] = ("NONE", "AWS_IAM")
# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy's ``Days``).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
# Lambda's limit on all environment variables together, measured here as the compact JSON of
# the Variables map (keys, values and punctuation), which is at least what Lambda counts.
ENVIRONMENT_MAX_BYTES = 4096
_ROLE_SUFFIX = "-role"
_POLICY_SUFFIX = "-logs"
# Lambda allows 64 characters, but IAM role names stop at 64 too and the role is named
# "<function_name>-role", so the function name may use 64 - 5 of them.
FUNCTION_NAME_MAX_CHARS = 64 - len(_ROLE_SUFFIX)
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]+")
_ENV_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
# Lambda sets these itself and rejects a function that tries to.
_RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
        "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip
_REGION = _aws.REGION
_ACCOUNT_ID = _aws.ACCOUNT_ID
_PARTITIONS = _aws.PARTITIONS

# A public function URL needs both statements since October 2025: lambda:InvokeFunctionUrl for
# anyone ("*") with FunctionUrlAuthType NONE, and lambda:InvokeFunction when invoked via the URL.
_URL_STATEMENT = "FunctionURLAllowPublicAccess"
_URL_INVOKE_STATEMENT = "FunctionURLAllowInvokeAction"
PUBLIC_URL_STATEMENT_IDS = (_URL_STATEMENT, _URL_INVOKE_STATEMENT)
_HTTP_API_STATEMENT_PREFIX = "http-api-"

_DENIED_CODES = _aws.DENIED_CODES
_NOT_FOUND_CODES = _aws.NOT_FOUND_CODES
# IAM is eventually consistent: right after CreateRole, Lambda may not be able to assume it yet.
_ROLE_NOT_READY = "cannot be assumed"
DEFAULT_ROLE_RETRY_DELAYS_S: tuple[float, ...] = (2.0, 4.0, 8.0, 10.0, 10.0)


class DeployError(CompanionError, RuntimeError):
    """Deploying or destroying failed in a way the caller must fix (permissions, IAM delays).

    ``action`` is the IAM action the credentials lack (``"iam:CreateRole"``), when that is
    what went wrong; otherwise ``None``.
    """

    def __init__(self, message: str, *, action: str | None = None) -> None:
        super().__init__(message)
        self.action = action


def _one_of(value: object, field_name: str, allowed: Sequence[object]) -> None:
    # The type check keeps 14.0 out of an int choice and True out of everything.
    if isinstance(value, bool) or type(value) is not type(allowed[0]) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{field_name} must be one of {choices}, got {value!r}")


def _int_in(value: object, field_name: str, low: int, high: int, unit: str) -> None:
    _checks.whole(value, field_name, low, high, type_error=TypeError, unit=unit)


def _check_function_name(name: object, field_name: str = "function_name") -> str:
    if not isinstance(name, str):
        raise TypeError(f"{field_name} must be a string, got {type(name).__name__}")
    if not 1 <= len(name) <= FUNCTION_NAME_MAX_CHARS or not _FUNCTION_NAME.fullmatch(name):
        raise ValueError(
            f"{field_name} must be 1 to {FUNCTION_NAME_MAX_CHARS} characters of letters, digits, "
            f"hyphens and underscores (Lambda allows 64; the IAM role '<name>{_ROLE_SUFFIX}' "
            f"must fit IAM's 64), got {name!r} ({len(name)} characters)"
        )
    return name


def _check_environment(environment: object) -> dict[str, str]:
    if not isinstance(environment, Mapping):
        raise TypeError(f"environment must be a mapping of str to str, got {environment!r}")
    variables: dict[str, str] = {}
    for key, value in environment.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"environment must map str to str, got {key!r}: {value!r}")
        if not _ENV_KEY.fullmatch(key):
            raise ValueError(
                f"environment key {key!r} must start with a letter and hold at least 2 "
                "letters, digits or underscores"
            )
        if key in _RESERVED_ENV_KEYS:
            raise ValueError(f"environment key {key!r} is reserved by Lambda; pick another name")
        variables[key] = value
    size = len(json.dumps(variables, separators=(",", ":"), ensure_ascii=False).encode())
    if size > ENVIRONMENT_MAX_BYTES:
        raise ValueError(
            f"environment must total at most {ENVIRONMENT_MAX_BYTES} bytes (Lambda's 4 KB "
            f"limit), got {size} bytes"
        )
    return variables


@dataclass(frozen=True)
class FunctionConfig:
    """What to deploy. Every field is checked on construction; a bad one raises ``ValueError``
    (or ``TypeError`` for the wrong type) naming the field and its allowed range.

    ``auth`` guards the front door: ``"AWS_IAM"`` (the default) lets in only SigV4-signed
    requests from principals allowed to invoke. ``"NONE"`` makes a **public** endpoint: anyone
    with the URL can call the function and run up its bill; use it only for a short demo and
    ``destroy`` afterwards. ``front_door="none"`` deploys the function with no HTTP endpoint.
    """

    function_name: str
    memory_mb: int
    timeout_s: int
    architecture: Architecture
    runtime: str = DEFAULT_RUNTIME
    handler: str = "handler.handler"
    environment: Mapping[str, str] = field(default_factory=dict, hash=False)
    description: str = ""
    front_door: FrontDoor = "function-url"
    auth: AuthType = "AWS_IAM"
    log_retention_days: int = 14

    def __post_init__(self) -> None:
        _check_function_name(self.function_name)
        _int_in(self.memory_mb, "memory_mb", *MEMORY_MB_RANGE, unit="MB")
        _int_in(self.timeout_s, "timeout_s", *TIMEOUT_S_RANGE, unit="seconds")
        _one_of(self.architecture, "architecture", ARCHITECTURES)
        _one_of(self.runtime, "runtime", RUNTIMES)
        if (
            not isinstance(self.handler, str)
            or not 1 <= len(self.handler) <= 128
            or re.search(r"\s", self.handler)
        ):
            raise ValueError(
                "handler must be 1 to 128 characters without whitespace, like "
                f"'handler.handler' (module.function), got {self.handler!r}"
            )
        # Keep a private copy, so changing the caller's dict later cannot change this config.
        object.__setattr__(self, "environment", _check_environment(self.environment))
        if not isinstance(self.description, str) or len(self.description) > 256:
            raise ValueError(
                f"description must be a string of at most 256 characters, got {self.description!r}"
            )
        _one_of(self.front_door, "front_door", FRONT_DOORS)
        _one_of(self.auth, "auth", AUTH_TYPES)
        _one_of(self.log_retention_days, "log_retention_days", LOG_RETENTION_DAYS)

    @property
    def role_name(self) -> str:
        return self.function_name + _ROLE_SUFFIX

    @property
    def policy_name(self) -> str:
        return self.function_name + _POLICY_SUFFIX

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"


@dataclass(frozen=True)
class DeployResult:
    """What ``deploy`` left in place. ``created`` is False when the function already existed
    and was updated. ``endpoint_url`` is the function URL or HTTP API endpoint, or None."""

    function_arn: str
    role_arn: str
    endpoint_url: str | None
    created: bool
    version: str
    last_modified: str


def lambda_trust_policy() -> dict[str, Any]:
    """The role's trust policy: only the Lambda service may assume it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def least_privilege_policy(
    function_name: str, region: str, account_id: str, *, partition: str = "aws"
) -> dict[str, Any]:
    """The function's only permission: write log streams and events to its own log group.

    ``logs:CreateLogGroup`` is deliberately absent: ``deploy`` creates the group (with a
    retention period), so the function never needs to.
    """
    _check_function_name(function_name)
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ValueError(f"region must look like 'us-east-1', got {region!r}")
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
    _one_of(partition, "partition", _PARTITIONS)
    log_group = f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws/lambda/{function_name}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group}:*",
            }
        ],
    }


def _code(exc: ClientError) -> str:
    return _aws.error_fields(exc.response)[0]


def _message(exc: ClientError) -> str:
    return _aws.error_fields(exc.response)[1]


def _denied(action: str, exc: ClientError) -> DeployError:
    needed = _aws.denied_action(_message(exc), action)
    also = f" (AWS refused it during {action})" if needed != action else ""
    return DeployError(
        f"access denied: the credentials need the IAM action {needed}{also}; "
        f"AWS said: {_message(exc) or _code(exc)}",
        action=needed,
    )


def _call(action: str, method: Callable[..., Any], **kwargs: Any) -> Any:
    """Call one boto3 operation; an access-denied answer becomes a DeployError naming action."""
    try:
        return method(**kwargs)
    except ClientError as exc:
        if _code(exc) in _DENIED_CODES:
            raise _denied(action, exc) from exc
        raise


def _call_or_none(action: str, method: Callable[..., Any], **kwargs: Any) -> Any:
    """Like ``_call``, but a not-found answer returns None."""
    try:
        return _call(action, method, **kwargs)
    except ClientError as exc:
        if _code(exc) in _NOT_FOUND_CODES:
            return None
        raise


def _region_of(client: Any) -> str:
    return str(client.meta.region_name)


def _check_zip(zip_bytes: object, handler: str) -> None:
    if not isinstance(zip_bytes, bytes | bytearray):
        raise TypeError(f"zip_bytes must be bytes, got {type(zip_bytes).__name__}")
    if not 0 < len(zip_bytes) <= ZIP_DIRECT_UPLOAD_LIMIT_BYTES:
        raise ValueError(
            f"zip_bytes must be 1 byte to {ZIP_DIRECT_UPLOAD_LIMIT_BYTES} bytes (50 MB, Lambda's limit for a "
            f"direct upload), got {len(zip_bytes)} bytes"
        )
    if not zipfile.is_zipfile(io.BytesIO(zip_bytes)):
        raise ValueError(
            f"zip_bytes is not a zip archive; build one holding the module of {handler!r}"
        )


def _ensure_role(config: FunctionConfig, policy: dict[str, Any], iam: Any) -> str:
    trust = json.dumps(lambda_trust_policy())
    try:
        role = _call(
            "iam:CreateRole",
            iam.create_role,
            RoleName=config.role_name,
            AssumeRolePolicyDocument=trust,
            Description=f"Execution role of the Lambda function {config.function_name}",
        )["Role"]
    except ClientError as exc:
        if _code(exc) != "EntityAlreadyExists":
            raise
        _call(
            "iam:UpdateAssumeRolePolicy",
            iam.update_assume_role_policy,
            RoleName=config.role_name,
            PolicyDocument=trust,
        )
        role = _call("iam:GetRole", iam.get_role, RoleName=config.role_name)["Role"]
    _call(
        "iam:PutRolePolicy",
        iam.put_role_policy,
        RoleName=config.role_name,
        PolicyName=config.policy_name,
        PolicyDocument=json.dumps(policy),
    )
    return str(role["Arn"])


def _ensure_log_group(config: FunctionConfig, logs: Any) -> None:
    try:
        _call("logs:CreateLogGroup", logs.create_log_group, logGroupName=config.log_group_name)
    except ClientError as exc:
        if _code(exc) != "ResourceAlreadyExistsException":
            raise
    _call(
        "logs:PutRetentionPolicy",
        logs.put_retention_policy,
        logGroupName=config.log_group_name,
        retentionInDays=config.log_retention_days,
    )


@dataclass(frozen=True)
class _Waits:
    sleep: Callable[[float], None]
    role_retry_delays_s: tuple[float, ...]
    delay_s: int
    max_attempts: int


def _wait(lambda_client: Any, names: tuple[str, str], function_name: str, waits: _Waits) -> None:
    """Wait with the first of ``names`` this botocore has (the *_v2 waiters are newer)."""
    available = set(getattr(lambda_client, "waiter_names", ()))
    name = names[0] if names[0] in available else names[1]
    try:
        lambda_client.get_waiter(name).wait(
            FunctionName=function_name,
            WaiterConfig={"Delay": waits.delay_s, "MaxAttempts": waits.max_attempts},
        )
    except WaiterError as exc:
        last: dict[str, Any] = dict(exc.last_response or {})
        if _aws.error_fields(last)[0] in _DENIED_CODES:
            raise DeployError(
                "access denied: the credentials need the IAM action lambda:GetFunction "
                f"(to wait for {function_name} to be ready)",
                action="lambda:GetFunction",
            ) from exc
        state = last.get("Configuration", {})
        reason = state.get("LastUpdateStatusReason") or state.get("StateReason") or exc
        raise DeployError(
            f"Lambda function {function_name} did not become ready: {reason}"
        ) from exc


def _function_settings(config: FunctionConfig, role_arn: str) -> dict[str, Any]:
    return {
        "FunctionName": config.function_name,
        "Runtime": config.runtime,
        "Role": role_arn,
        "Handler": config.handler,
        "Description": config.description,
        "Timeout": config.timeout_s,
        "MemorySize": config.memory_mb,
        "Environment": {"Variables": dict(config.environment)},
    }


def _role_not_ready(exc: ClientError) -> bool:
    return _code(exc) == "InvalidParameterValueException" and _ROLE_NOT_READY in _message(exc)


def _create_function(
    config: FunctionConfig, code: dict[str, Any], role_arn: str, lambda_client: Any, waits: _Waits
) -> None:
    settings = _function_settings(config, role_arn)
    delays = waits.role_retry_delays_s
    for attempt in range(len(delays) + 1):
        try:
            _call(
                "lambda:CreateFunction",
                lambda_client.create_function,
                **settings,
                Code=code,
                Architectures=[config.architecture],
                PackageType="Zip",
            )
            return
        except ClientError as exc:
            if not _role_not_ready(exc):
                raise
            if attempt == len(delays):
                raise DeployError(
                    f"Lambda still cannot assume the role {role_arn} after {attempt + 1} tries "
                    f"over {sum(delays):g} s; a new IAM role can take a minute to reach Lambda: "
                    "run deploy again"
                ) from exc
            waits.sleep(delays[attempt])


def _update_function(
    config: FunctionConfig, code: dict[str, Any], role_arn: str, lambda_client: Any, waits: _Waits
) -> None:
    updated = ("function_updated_v2", "function_updated")
    name = config.function_name
    # A previous deploy may still be applying; Lambda refuses a second update meanwhile.
    _wait(lambda_client, updated, name, waits)
    _call(
        "lambda:UpdateFunctionCode",
        lambda_client.update_function_code,
        FunctionName=name,
        **code,
        Architectures=[config.architecture],
    )
    _wait(lambda_client, updated, name, waits)
    _call(
        "lambda:UpdateFunctionConfiguration",
        lambda_client.update_function_configuration,
        **_function_settings(config, role_arn),
    )
    _wait(lambda_client, updated, name, waits)


def _statement_ids(lambda_client: Any, function_name: str) -> set[str]:
    answer = _call_or_none("lambda:GetPolicy", lambda_client.get_policy, FunctionName=function_name)
    if answer is None:
        return set()
    statements = json.loads(answer["Policy"]).get("Statement", [])
    return {str(s.get("Sid")) for s in statements}


def _add_permission(lambda_client: Any, function_name: str, sid: str, **kwargs: Any) -> None:
    try:
        _call(
            "lambda:AddPermission",
            lambda_client.add_permission,
            FunctionName=function_name,
            StatementId=sid,
            **kwargs,
        )
    except ClientError as exc:
        # Another deploy added the same statement meanwhile; anything else (an update in
        # progress is a ResourceConflictException too) must not be swallowed.
        if not (_code(exc) == "ResourceConflictException" and "already exists" in _message(exc)):
            raise


def _remove_permission(lambda_client: Any, function_name: str, sid: str) -> None:
    _call_or_none(
        "lambda:RemovePermission",
        lambda_client.remove_permission,
        FunctionName=function_name,
        StatementId=sid,
    )


def _ensure_function_url(config: FunctionConfig, lambda_client: Any) -> str:
    name = config.function_name
    current = _call_or_none(
        "lambda:GetFunctionUrlConfig", lambda_client.get_function_url_config, FunctionName=name
    )
    answer = current
    if current is None:
        try:
            answer = _call(
                "lambda:CreateFunctionUrlConfig",
                lambda_client.create_function_url_config,
                FunctionName=name,
                AuthType=config.auth,
            )
        except ClientError as exc:
            if _code(exc) != "ResourceConflictException":
                raise
            current = {"AuthType": None}  # created meanwhile: update it below
    if current is not None and current.get("AuthType") != config.auth:
        answer = _call(
            "lambda:UpdateFunctionUrlConfig",
            lambda_client.update_function_url_config,
            FunctionName=name,
            AuthType=config.auth,
        )
    sids = _statement_ids(lambda_client, name)
    if config.auth == "NONE":
        if _URL_STATEMENT not in sids:
            _add_permission(
                lambda_client, name, _URL_STATEMENT,
                Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType="NONE",
            )  # fmt: skip
        if _URL_INVOKE_STATEMENT not in sids:
            _add_permission(
                lambda_client, name, _URL_INVOKE_STATEMENT,
                Action="lambda:InvokeFunction", Principal="*", InvokedViaFunctionUrl=True,
            )  # fmt: skip
    else:
        for sid in PUBLIC_URL_STATEMENT_IDS:
            if sid in sids:
                _remove_permission(lambda_client, name, sid)
    return str(answer["FunctionUrl"])


def _remove_function_url(function_name: str, lambda_client: Any) -> bool:
    """Delete the function URL and its public statements; True when there was a URL."""
    current = _call_or_none(
        "lambda:GetFunctionUrlConfig",
        lambda_client.get_function_url_config,
        FunctionName=function_name,
    )
    sids = _statement_ids(lambda_client, function_name)
    for sid in PUBLIC_URL_STATEMENT_IDS:
        if sid in sids:
            _remove_permission(lambda_client, function_name, sid)
    if current is None:
        return False
    _call_or_none(
        "lambda:DeleteFunctionUrlConfig",
        lambda_client.delete_function_url_config,
        FunctionName=function_name,
    )
    return True


def _pages(method: Callable[..., Any], action: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The Items of an API Gateway v2 listing, following NextToken."""
    token: str | None = None
    while True:
        extra = {"NextToken": token} if token else {}
        page = _call(action, method, **kwargs, **extra)
        yield from page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return


def _http_apis(apigw: Any, name: str) -> list[dict[str, Any]]:
    return [
        api
        for api in _pages(apigw.get_apis, "apigateway:GET")
        if api.get("Name") == name and api.get("ProtocolType") == "HTTP"
    ]


def _ensure_http_api(
    config: FunctionConfig,
    function_arn: str,
    apigw: Any,
    lambda_client: Any,
    source_arn_prefix: str,
) -> str:
    name = config.function_name
    existing = _http_apis(apigw, name)
    if existing:
        api = existing[0]
    else:
        # Quick create: an AWS_PROXY integration to the function, a catch-all $default route
        # and an auto-deployed $default stage, in one call.
        api = _call(
            "apigateway:POST",
            apigw.create_api,
            Name=name,
            ProtocolType="HTTP",
            Target=function_arn,
            Description=f"HTTP front door of the Lambda function {name}",
        )
    api_id = str(api["ApiId"])
    # Quick create leaves routes open (AuthorizationType NONE); apply the configured auth.
    for route in _pages(apigw.get_routes, "apigateway:GET", ApiId=api_id):
        if route.get("AuthorizationType", "NONE") != config.auth:
            _call(
                "apigateway:PATCH",
                apigw.update_route,
                ApiId=api_id,
                RouteId=route["RouteId"],
                AuthorizationType=config.auth,
            )
    sid = _HTTP_API_STATEMENT_PREFIX + api_id
    if sid not in _statement_ids(lambda_client, name):
        _add_permission(
            lambda_client, name, sid,
            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
            SourceArn=f"{source_arn_prefix}:{api_id}/*",
        )  # fmt: skip
    return str(api["ApiEndpoint"])


def _remove_http_apis(function_name: str, apigw: Any) -> list[str]:
    removed = []
    for api in _http_apis(apigw, function_name):
        _call_or_none("apigateway:DELETE", apigw.delete_api, ApiId=api["ApiId"])
        removed.append(f"HTTP API {api['ApiId']}")
    return removed


def _code_source(
    zip_bytes: bytes | None, s3_code: tuple[str, str] | None, handler: str
) -> dict[str, Any]:
    """The ``Code`` of CreateFunction: an S3 object or the zip itself (exactly one given)."""
    if (zip_bytes is None) == (s3_code is None):
        raise ValueError("give exactly one of zip_bytes (a direct upload) or s3_code=(bucket, key)")
    if s3_code is not None:
        bucket, key = s3_code
        if not bucket or not key:
            raise ValueError(f"s3_code must be (bucket, key) with both non-empty, got {s3_code!r}")
        return {"S3Bucket": bucket, "S3Key": key}
    _check_zip(zip_bytes, handler)
    return {"ZipFile": bytes(zip_bytes or b"")}


def _one_region(lambda_client: Any, logs_client: Any, apigw_client: Any) -> str:
    """``lambda_client``'s region, which the other clients must share."""
    region = _region_of(lambda_client)
    for client_field, client in (("logs_client", logs_client), ("apigw_client", apigw_client)):
        if client is not None and _region_of(client) != region:
            raise ValueError(
                f"{client_field} is in region {_region_of(client)!r} but lambda_client is in "
                f"{region!r}; create all clients with the same region_name"
            )
    return region


def _role_retry_delays(role_retry_delays_s: Sequence[float]) -> tuple[float, ...]:
    delays = tuple(role_retry_delays_s)
    if any(isinstance(d, bool) or not isinstance(d, int | float) or not d >= 0 for d in delays):
        raise ValueError(f"role_retry_delays_s must be seconds >= 0, got {delays!r}")
    return tuple(float(d) for d in delays)


def _create_or_update_function(
    config: FunctionConfig,
    code: dict[str, Any],
    role_arn: str,
    lambda_client: Any,
    waits: _Waits,
) -> tuple[bool, dict[str, Any]]:
    """Create the function, or update one that exists (or was created meanwhile); whether it
    was created, and its configuration once active."""
    name = config.function_name
    existing = _call_or_none("lambda:GetFunction", lambda_client.get_function, FunctionName=name)
    created = False
    if existing is None:
        try:
            _create_function(config, code, role_arn, lambda_client, waits)
            created = True
        except ClientError as exc:
            if _code(exc) != "ResourceConflictException":
                raise
    if created:
        _wait(lambda_client, ("function_active_v2", "function_active"), name, waits)
    else:
        _update_function(config, code, role_arn, lambda_client, waits)
    function = _call("lambda:GetFunction", lambda_client.get_function, FunctionName=name)
    configuration: dict[str, Any] = function["Configuration"]
    return created, configuration


def _ensure_front_door(
    config: FunctionConfig,
    function_arn: str,
    lambda_client: Any,
    apigw_client: Any,
    source_arn_prefix: str,
) -> str | None:
    """The configured front door's URL (``None`` for none), after removing the other kinds."""
    name = config.function_name
    endpoint_url: str | None = None
    if config.front_door == "function-url":
        endpoint_url = _ensure_function_url(config, lambda_client)
    else:
        _remove_function_url(name, lambda_client)
    if config.front_door == "http-api":
        endpoint_url = _ensure_http_api(
            config, function_arn, apigw_client, lambda_client, source_arn_prefix
        )
    elif apigw_client is not None:
        _remove_http_apis(name, apigw_client)
    return endpoint_url


def deploy(
    config: FunctionConfig,
    zip_bytes: bytes | None = None,
    *,
    s3_code: tuple[str, str] | None = None,
    lambda_client: Any,
    iam_client: Any,
    logs_client: Any,
    sts_client: Any,
    apigw_client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    role_retry_delays_s: Sequence[float] = DEFAULT_ROLE_RETRY_DELAYS_S,
    waiter_delay_s: int = 2,
    waiter_max_attempts: int = 150,
) -> DeployResult:
    """Create or update the function described by ``config`` and everything it needs.

    The code is either ``zip_bytes`` (a direct upload, at most 50 MB) or ``s3_code``, a
    ``(bucket, key)`` of a zip already in S3 in the same region (up to 250 MB unzipped): give
    exactly one.

    Idempotent: existing pieces are updated, never recreated, so the function ARN and the
    function URL stay the same across runs. The region is ``lambda_client``'s; the logs and
    API Gateway clients must use the same one. ``apigw_client`` (boto3 ``"apigatewayv2"``) is
    required for ``front_door="http-api"``; when given with another front door, an HTTP API
    left by an earlier deploy is deleted, as is a function URL when the front door is not
    ``"function-url"``, so a redeploy never leaves a stale endpoint behind.

    ``sleep`` and ``role_retry_delays_s`` pace the retries of CreateFunction while a new role
    propagates through IAM; ``waiter_delay_s`` and ``waiter_max_attempts`` configure the
    botocore waiters that wait for the function to become active or finish an update.
    Raises :class:`DeployError` when access is denied (naming the missing IAM action) or the
    role never becomes usable; other AWS errors propagate as ``botocore`` ``ClientError``.
    """
    if not isinstance(config, FunctionConfig):
        raise TypeError(f"config must be a FunctionConfig, got {type(config).__name__}")
    code = _code_source(zip_bytes, s3_code, config.handler)
    if config.front_door == "http-api" and apigw_client is None:
        raise ValueError("front_door='http-api' needs apigw_client (a boto3 'apigatewayv2' client)")
    _int_in(waiter_delay_s, "waiter_delay_s", 1, 300, unit="seconds")
    _int_in(waiter_max_attempts, "waiter_max_attempts", 1, 10_000, unit="attempts")
    region = _one_region(lambda_client, logs_client, apigw_client)
    delays = _role_retry_delays(role_retry_delays_s)
    waits = _Waits(sleep, delays, waiter_delay_s, waiter_max_attempts)

    identity = _call("sts:GetCallerIdentity", sts_client.get_caller_identity)
    account_id = str(identity["Account"])
    partition = str(identity["Arn"]).split(":")[1]
    policy = least_privilege_policy(config.function_name, region, account_id, partition=partition)
    role_arn = _ensure_role(config, policy, iam_client)
    _ensure_log_group(config, logs_client)

    created, configuration = _create_or_update_function(
        config, code, role_arn, lambda_client, waits
    )
    function_arn = str(configuration["FunctionArn"])
    endpoint_url = _ensure_front_door(
        config,
        function_arn,
        lambda_client,
        apigw_client,
        source_arn_prefix=f"arn:{partition}:execute-api:{region}:{account_id}",
    )
    return DeployResult(
        function_arn=function_arn,
        role_arn=role_arn,
        endpoint_url=endpoint_url,
        created=created,
        version=str(configuration.get("Version", "$LATEST")),
        last_modified=str(configuration.get("LastModified", "")),
    )


def destroy(
    function_name: str,
    *,
    lambda_client: Any,
    iam_client: Any,
    logs_client: Any,
    apigw_client: Any = None,
) -> tuple[str, ...]:
    """Delete what ``deploy`` created for ``function_name``; what is already gone is skipped.

    Removes the HTTP APIs named after the function (when ``apigw_client`` is given), the
    function URL, the function (with its resource policy), the inline role policy, the role
    and the log group. Returns what it removed, so a second call returns ``()``.
    """
    name = _check_function_name(function_name)
    role_name, policy_name = name + _ROLE_SUFFIX, name + _POLICY_SUFFIX
    removed: list[str] = []
    if apigw_client is not None:
        removed += _remove_http_apis(name, apigw_client)
    exists = _call_or_none("lambda:GetFunction", lambda_client.get_function, FunctionName=name)
    if exists is not None:
        if _remove_function_url(name, lambda_client):
            removed.append("function URL")
        _call_or_none("lambda:DeleteFunction", lambda_client.delete_function, FunctionName=name)
        removed.append(f"function {name}")
    deleted = _call_or_none(
        "iam:DeleteRolePolicy",
        iam_client.delete_role_policy,
        RoleName=role_name,
        PolicyName=policy_name,
    )
    if deleted is not None:
        removed.append(f"role policy {policy_name}")
    if _call_or_none("iam:DeleteRole", iam_client.delete_role, RoleName=role_name) is not None:
        removed.append(f"role {role_name}")
    log_group = f"/aws/lambda/{name}"
    deleted = _call_or_none(
        "logs:DeleteLogGroup", logs_client.delete_log_group, logGroupName=log_group
    )
    if deleted is not None:
        removed.append(f"log group {log_group}")
    return tuple(removed)
