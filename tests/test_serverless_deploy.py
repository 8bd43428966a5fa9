"""Spec for companion/serverless/deployment.py, offline.

The deploy runs against moto twice over: in-process (``mock_aws``) and through moto's real HTTP
server (``ThreadedMotoServer`` on 127.0.0.1), so requests cross the wire exactly as boto3
sends them. Access-denied answers come from botocore's ``Stubber`` in front of a real client.
moto's Lambda never runs code without Docker, so nothing here invokes the function.
"""

from __future__ import annotations

import functools
import io
import json
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from companion.serverless.deployment import (
    ENVIRONMENT_MAX_BYTES,
    LOG_RETENTION_DAYS,
    PUBLIC_URL_STATEMENT_IDS,
    DeployError,
    DeployResult,
    FunctionConfig,
    deploy,
    destroy,
    lambda_trust_policy,
    least_privilege_policy,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
NAME = "sentiment"


def handler_zip(
    body: str = "def handler(event, context):\n    return {'statusCode': 200}\n",
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("handler.py", body)
    return buffer.getvalue()


ZIP = handler_zip()


def config(**changes: Any) -> FunctionConfig:
    settings: dict[str, Any] = {
        "function_name": NAME,
        "memory_mb": 1024,
        "timeout_s": 15,
        "architecture": "arm64",
        "environment": {"MODEL_PATH": "/opt/model.onnx", "LOG_LEVEL": "INFO"},
        "description": "course sentiment model",
    }
    settings.update(changes)
    return FunctionConfig(**settings)


class Recording:
    """Wraps a boto3 client, recording each call by method name; everything else passes."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or not callable(attribute) or name == "get_waiter":
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return attribute(*args, **kwargs)

        return call

    def get_waiter(self, name: str) -> Any:
        self.calls.append(("get_waiter", {"name": name}))
        return self._client.get_waiter(name)

    def called(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for method, kwargs in self.calls if method == name]


class RoleNotReadyLambda(Recording):
    """A Lambda client whose CreateFunction fails like real AWS right after CreateRole."""

    def __init__(self, client: Any, failures: int, message: str | None = None) -> None:
        super().__init__(client)
        self.failures = failures
        self.message = message or "The role defined for the function cannot be assumed by Lambda."

    def create_function(self, **kwargs: Any) -> Any:
        self.calls.append(("create_function", kwargs))
        if self.failures > 0:
            self.failures -= 1
            answer = {"Error": {"Code": "InvalidParameterValueException", "Message": self.message}}
            raise ClientError(answer, "CreateFunction")
        return self._client.create_function(**kwargs)


@dataclass
class Aws:
    """One set of boto3 clients against one moto backend, plus the sleeps deploy asked for."""

    lambda_: Any
    iam: Any
    logs: Any
    apigw: Any
    sts: Any
    sleeps: list[float] = field(default_factory=list)

    def deploy(
        self, cfg: FunctionConfig, zip_bytes: bytes | None = ZIP, **kwargs: Any
    ) -> DeployResult:
        clients: dict[str, Any] = {
            "lambda_client": self.lambda_,
            "iam_client": self.iam,
            "logs_client": self.logs,
            "sts_client": self.sts,
            "apigw_client": self.apigw,
            "sleep": self.sleeps.append,
            "waiter_delay_s": 1,
            "waiter_max_attempts": 5,
        }
        clients.update(kwargs)
        return deploy(cfg, zip_bytes, **clients)

    def destroy(self, name: str = NAME) -> tuple[str, ...]:
        return destroy(
            name,
            lambda_client=self.lambda_,
            iam_client=self.iam,
            logs_client=self.logs,
            apigw_client=self.apigw,
        )

    # What is there, read back through the same clients.
    def function(self, name: str = NAME) -> dict[str, Any]:
        return dict(self.lambda_.get_function(FunctionName=name)["Configuration"])

    def statements(self, name: str = NAME) -> list[dict[str, Any]]:
        try:
            policy = self.lambda_.get_policy(FunctionName=name)["Policy"]
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
            return []
        return list(json.loads(policy)["Statement"])

    def http_apis(self, name: str = NAME) -> list[dict[str, Any]]:
        return [api for api in self.apigw.get_apis()["Items"] if api["Name"] == name]

    def role_names(self) -> list[str]:
        return [role["RoleName"] for role in self.iam.list_roles()["Roles"]]


@functools.cache
def _session() -> boto3.session.Session:
    # One session for every test: it parses each service's model once (client creation is
    # the slow part of a test otherwise). Credentials are the dummy ones set below.
    return boto3.session.Session(region_name=REGION)


def make_aws(endpoint_url: str | None = None) -> Aws:
    session = _session()

    def client(service: Any) -> Any:  # the stubs overload on each service's name
        return session.client(service, endpoint_url=endpoint_url)

    return Aws(
        lambda_=client("lambda"),
        iam=client("iam"),
        logs=client("logs"),
        apigw=client("apigatewayv2"),
        sts=client("sts"),
    )


def error_code(exc_info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc_info.value.response["Error"]["Code"])


def policy_document(document: Any) -> dict[str, Any]:
    """IAM answers hold policy documents as dicts (boto3 decodes them) or URL-encoded JSON."""
    if isinstance(document, dict):
        return document
    return dict(json.loads(urllib.parse.unquote(document)))


@pytest.fixture
def in_process(aws_credentials: None) -> Iterator[Aws]:
    with mock_aws():
        yield make_aws()


@pytest.fixture(params=["mock_aws", "moto_server"])
def aws(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[Aws]:
    """The same clients against moto in-process and against moto's HTTP server."""
    if request.param == "mock_aws":
        with mock_aws():
            yield make_aws()
        return
    url = request.getfixturevalue("moto_server")
    reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as answer:
        assert answer.status == 200
    yield make_aws(url)


# ---------------------------------------------------------------------------- the deploy


def test_first_deploy_creates_role_policy_log_group_function_and_url(aws: Aws) -> None:
    result = aws.deploy(config())

    role = aws.iam.get_role(RoleName=f"{NAME}-role")["Role"]
    assert result.role_arn == role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{NAME}-role"
    assert policy_document(role["AssumeRolePolicyDocument"]) == lambda_trust_policy()
    assert aws.iam.list_role_policies(RoleName=f"{NAME}-role")["PolicyNames"] == [f"{NAME}-logs"]
    inline = aws.iam.get_role_policy(RoleName=f"{NAME}-role", PolicyName=f"{NAME}-logs")
    (statement,) = policy_document(inline["PolicyDocument"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert (
        statement["Resource"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{NAME}:*"
    )

    groups = aws.logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [
        (f"/aws/lambda/{NAME}", 14)
    ]

    function = aws.function()
    assert result.created is True
    assert result.function_arn == function["FunctionArn"]
    assert result.version == "$LATEST"
    assert result.last_modified == function["LastModified"]
    assert function["MemorySize"] == 1024
    assert function["Timeout"] == 15
    assert function["Architectures"] == ["arm64"]
    assert function["Runtime"] == "python3.11"
    assert function["Handler"] == "handler.handler"
    assert function["Role"] == role["Arn"]
    assert function["Environment"]["Variables"] == {
        "MODEL_PATH": "/opt/model.onnx",
        "LOG_LEVEL": "INFO",
    }

    url_config = aws.lambda_.get_function_url_config(FunctionName=NAME)
    assert url_config["AuthType"] == "AWS_IAM"
    assert result.endpoint_url == url_config["FunctionUrl"]
    assert aws.statements() == []  # AWS_IAM: nothing public
    assert aws.sleeps == []


def test_second_deploy_updates_in_place(aws: Aws) -> None:
    first = aws.deploy(config())
    new_code = handler_zip("def handler(event, context):\n    return {'statusCode': 204}\n")
    second = aws.deploy(
        config(memory_mb=2048, timeout_s=30, environment={"LOG_LEVEL": "DEBUG"}), new_code
    )

    assert (first.created, second.created) == (True, False)
    assert second.function_arn == first.function_arn
    assert second.role_arn == first.role_arn
    assert second.endpoint_url == first.endpoint_url  # the URL survives a redeploy
    function = aws.function()
    assert (function["MemorySize"], function["Timeout"]) == (2048, 30)
    assert function["Environment"]["Variables"] == {"LOG_LEVEL": "DEBUG"}
    assert [f["FunctionName"] for f in aws.lambda_.list_functions()["Functions"]] == [NAME]
    assert aws.role_names().count(f"{NAME}-role") == 1
    assert aws.iam.list_role_policies(RoleName=f"{NAME}-role")["PolicyNames"] == [f"{NAME}-logs"]


def test_redeploy_after_retention_change_updates_the_log_group(aws: Aws) -> None:
    aws.deploy(config())
    aws.deploy(config(log_retention_days=90))
    groups = aws.logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"]
    assert [g.get("retentionInDays") for g in groups] == [90]


def test_http_api_front_door_is_created_once_and_reused(aws: Aws) -> None:
    first = aws.deploy(config(front_door="http-api"))
    second = aws.deploy(config(front_door="http-api", memory_mb=512))

    (api,) = aws.http_apis()
    assert api["ProtocolType"] == "HTTP"
    assert first.endpoint_url == second.endpoint_url == api["ApiEndpoint"]
    with pytest.raises(ClientError) as no_url:
        aws.lambda_.get_function_url_config(FunctionName=NAME)
    assert error_code(no_url) == "ResourceNotFoundException"
    (statement,) = aws.statements()  # API Gateway may invoke, from this API only
    assert statement["Sid"] == f"http-api-{api['ApiId']}"
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    source = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api['ApiId']}/*"
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == source


def test_public_function_url_grants_public_access_once(aws: Aws) -> None:
    first = aws.deploy(config(auth="NONE"))
    second = aws.deploy(config(auth="NONE"))

    assert first.endpoint_url == second.endpoint_url
    assert aws.lambda_.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"
    statements = aws.statements()
    assert sorted(s["Sid"] for s in statements) == sorted(PUBLIC_URL_STATEMENT_IDS)
    by_sid = {s["Sid"]: s for s in statements}
    public = by_sid["FunctionURLAllowPublicAccess"]
    assert (public["Action"], public["Principal"]) == ("lambda:InvokeFunctionUrl", "*")
    invoke = by_sid["FunctionURLAllowInvokeAction"]
    assert (invoke["Action"], invoke["Principal"]) == ("lambda:InvokeFunction", "*")


@pytest.mark.parametrize("front_door", ["function-url", "http-api", "none"])
def test_destroy_removes_everything_and_is_idempotent(aws: Aws, front_door: str) -> None:
    aws.deploy(config(front_door=front_door, auth="NONE"))
    removed = aws.destroy()

    assert f"function {NAME}" in removed
    assert ("function URL" in removed) == (front_door == "function-url")
    assert any(r.startswith("HTTP API") for r in removed) == (front_door == "http-api")
    with pytest.raises(ClientError) as no_function:
        aws.lambda_.get_function(FunctionName=NAME)
    assert error_code(no_function) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as no_role:
        aws.iam.get_role(RoleName=f"{NAME}-role")
    assert error_code(no_role) == "NoSuchEntity"
    assert aws.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"] == []
    assert aws.http_apis() == []

    assert aws.destroy() == ()  # nothing left, nothing fails


def test_destroy_of_something_never_deployed_removes_nothing(in_process: Aws) -> None:
    assert in_process.destroy("never-deployed") == ()


def test_destroy_leaves_other_functions_alone(in_process: Aws) -> None:
    in_process.deploy(config())
    other = in_process.deploy(config(function_name="other-model"))
    in_process.destroy()
    assert in_process.function("other-model")["FunctionArn"] == other.function_arn
    assert "other-model-role" in in_process.role_names()


# ------------------------------------------------------------- reconciling the front door


def test_switching_auth_back_to_aws_iam_removes_public_access(in_process: Aws) -> None:
    in_process.deploy(config(auth="NONE"))
    recording = Recording(in_process.lambda_)
    in_process.deploy(config(auth="AWS_IAM"), lambda_client=recording)

    assert in_process.statements() == []
    # moto's UpdateFunctionUrlConfig keeps the old AuthType, so check the request instead.
    assert recording.called("update_function_url_config") == [
        {"FunctionName": NAME, "AuthType": "AWS_IAM"}
    ]


def test_switching_to_no_front_door_removes_the_url_and_the_api(in_process: Aws) -> None:
    in_process.deploy(config(auth="NONE"))
    in_process.deploy(config(front_door="http-api"))
    assert in_process.statements()[0]["Sid"].startswith("http-api-")
    with pytest.raises(ClientError) as no_url:
        in_process.lambda_.get_function_url_config(FunctionName=NAME)
    assert error_code(no_url) == "ResourceNotFoundException"

    result = in_process.deploy(config(front_door="none"))
    assert result.endpoint_url is None
    assert in_process.http_apis() == []


def test_http_api_routes_get_the_configured_authorization(in_process: Aws) -> None:
    # moto ignores CreateApi's Target (quick create), so add the route quick create would make.
    in_process.deploy(config(front_door="http-api"))
    (api,) = in_process.http_apis()
    apigw = in_process.apigw
    integration = apigw.create_integration(
        ApiId=api["ApiId"],
        IntegrationType="AWS_PROXY",
        IntegrationUri=in_process.function()["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    apigw.create_route(
        ApiId=api["ApiId"],
        RouteKey="$default",
        Target=f"integrations/{integration['IntegrationId']}",
        AuthorizationType="NONE",
    )

    in_process.deploy(config(front_door="http-api", auth="AWS_IAM"))
    routes = apigw.get_routes(ApiId=api["ApiId"])["Items"]
    assert [(r["RouteKey"], r["AuthorizationType"]) for r in routes] == [("$default", "AWS_IAM")]


def test_http_api_is_created_with_the_function_as_quick_create_target(in_process: Aws) -> None:
    recording = Recording(in_process.apigw)
    result = in_process.deploy(config(front_door="http-api"), apigw_client=recording)
    (request,) = recording.called("create_api")
    assert request["ProtocolType"] == "HTTP"
    assert request["Target"] == result.function_arn


# ------------------------------------------------------------------- waiting and retrying


def test_deploy_waits_with_the_v2_waiters(in_process: Aws) -> None:
    recording = Recording(in_process.lambda_)
    in_process.deploy(config(), lambda_client=recording)
    assert [kw["name"] for kw in recording.called("get_waiter")] == ["function_active_v2"]

    recording.calls.clear()
    in_process.deploy(config(memory_mb=256), lambda_client=recording)
    assert [kw["name"] for kw in recording.called("get_waiter")] == ["function_updated_v2"] * 3
    methods = [m for m, _ in recording.calls if m.startswith("update_function_")]
    assert methods == ["update_function_code", "update_function_configuration"]


def test_create_function_is_retried_while_the_new_role_propagates(in_process: Aws) -> None:
    flaky = RoleNotReadyLambda(in_process.lambda_, failures=2)
    result = in_process.deploy(config(), lambda_client=flaky, role_retry_delays_s=(0.5, 1.5, 3))
    assert result.created is True
    assert in_process.sleeps == [0.5, 1.5]
    assert len(flaky.called("create_function")) == 3


def test_role_that_never_propagates_becomes_a_deploy_error(in_process: Aws) -> None:
    flaky = RoleNotReadyLambda(in_process.lambda_, failures=10)
    with pytest.raises(DeployError, match=r"cannot assume the role .*run deploy again"):
        in_process.deploy(config(), lambda_client=flaky, role_retry_delays_s=(1, 2))
    assert in_process.sleeps == [1.0, 2.0]
    assert len(flaky.called("create_function")) == 3


def test_other_invalid_parameter_errors_are_not_retried(in_process: Aws) -> None:
    flaky = RoleNotReadyLambda(in_process.lambda_, failures=1, message="Unzipped size too big")
    with pytest.raises(ClientError) as raised:
        in_process.deploy(config(), lambda_client=flaky)
    assert error_code(raised) == "InvalidParameterValueException"
    assert in_process.sleeps == []


def test_failed_update_becomes_a_deploy_error_with_lambdas_reason(in_process: Aws) -> None:
    reason = "Unzipped size must be smaller than 262144000 bytes"
    ready = {"Configuration": {"FunctionName": NAME, "LastUpdateStatus": "Successful"}}
    failed = {
        "Configuration": {
            "FunctionName": NAME,
            "LastUpdateStatus": "Failed",
            "LastUpdateStatusReason": reason,
        }
    }
    with Stubber(in_process.lambda_) as stubber:
        stubber.add_response("get_function", ready, {"FunctionName": NAME})  # exists: update
        stubber.add_response("get_function", ready, {"FunctionName": NAME})  # nothing pending
        stubber.add_response("update_function_code", {"FunctionName": NAME})
        stubber.add_response("get_function", failed, {"FunctionName": NAME})
        with pytest.raises(DeployError, match=f"did not become ready: {reason}"):
            in_process.deploy(config())
        stubber.assert_no_pending_responses()


# ------------------------------------------------------------------------ access denied


def _denied(action: str) -> str:
    return (
        f"User: arn:aws:iam::{ACCOUNT}:user/student is not authorized to perform: {action} "
        "on resource: arn:aws:iam::123456789012:role/sentiment-role"
    )


@pytest.mark.parametrize(
    ("client", "stubs", "action"),
    [
        ("iam", [("create_role", "AccessDenied", _denied("iam:CreateRole"))], "iam:CreateRole"),
        ("iam", [("create_role", "AccessDenied", "Access denied")], "iam:CreateRole"),
        (
            "iam",
            [("create_role", {"Role": None}, None), ("put_role_policy", "AccessDenied", "no")],
            "iam:PutRolePolicy",
        ),
        (
            "logs",
            [
                ("create_log_group", {}, None),
                ("put_retention_policy", "AccessDeniedException", "not allowed"),
            ],
            "logs:PutRetentionPolicy",
        ),
        (
            # CreateFunction fails when the caller may not pass the role: name that action.
            "lambda_",
            [
                ("get_function", "ResourceNotFoundException", "Function not found"),
                ("create_function", "AccessDeniedException", _denied("iam:PassRole")),
            ],
            "iam:PassRole",
        ),
    ],
)
def test_access_denied_names_the_missing_iam_action(
    in_process: Aws, client: str, stubs: list[tuple[str, Any, str | None]], action: str
) -> None:
    real = getattr(in_process, client)
    role = {
        "Path": "/",
        "RoleName": f"{NAME}-role",
        "RoleId": "AROAEXAMPLEEXAMPLE123",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{NAME}-role",
        "CreateDate": "2025-01-01T00:00:00Z",
    }
    with Stubber(real) as stubber:
        for method, answer, message in stubs:
            if isinstance(answer, str):
                status = 404 if "NotFound" in answer else 403
                stubber.add_client_error(method, answer, message or "", http_status_code=status)
            else:
                stubber.add_response(method, {"Role": role} if answer == {"Role": None} else answer)
        with pytest.raises(DeployError) as raised:
            in_process.deploy(config())
    assert raised.value.action == action
    assert action in str(raised.value)
    assert isinstance(raised.value.__cause__, ClientError)


def test_access_denied_during_destroy_names_the_action(in_process: Aws) -> None:
    with Stubber(in_process.iam) as stubber:
        stubber.add_client_error("delete_role_policy", "AccessDenied", "no", 403)
        with pytest.raises(DeployError, match="iam:DeleteRolePolicy"):
            in_process.destroy()


@pytest.mark.parametrize("code", ["LimitExceeded", "ServiceFailure", "MalformedPolicyDocument"])
def test_other_client_errors_propagate_unchanged(in_process: Aws, code: str) -> None:
    with Stubber(in_process.iam) as stubber:
        stubber.add_client_error("create_role", code, "something else", http_status_code=400)
        with pytest.raises(ClientError) as raised:
            in_process.deploy(config())
    assert error_code(raised) == code
    assert not isinstance(raised.value, DeployError)


# ---------------------------------------------------------------------- input checking


def test_deploy_rejects_bad_arguments_before_calling_aws(in_process: Aws) -> None:
    with pytest.raises(ValueError, match="zip_bytes is not a zip"):
        in_process.deploy(config(), b"not a zip")
    with pytest.raises(ValueError, match="zip_bytes must be 1 byte"):
        in_process.deploy(config(), b"")
    with pytest.raises(ValueError, match="apigw_client"):
        in_process.deploy(config(front_door="http-api"), apigw_client=None)
    west = boto3.session.Session(region_name="eu-west-1").client("logs")
    with pytest.raises(ValueError, match="logs_client is in region 'eu-west-1'"):
        in_process.deploy(config(), logs_client=west)
    with pytest.raises(ValueError, match="role_retry_delays_s"):
        in_process.deploy(config(), role_retry_delays_s=(-1,))
    assert in_process.role_names() == []  # nothing was created


BIG = "x" * ENVIRONMENT_MAX_BYTES


@pytest.mark.parametrize(
    ("changes", "field_name", "allowed"),
    [
        ({"memory_mb": 64}, "memory_mb", "from 128 to 10240 MB"),
        ({"memory_mb": 10241}, "memory_mb", "from 128 to 10240 MB"),
        ({"timeout_s": 0}, "timeout_s", "from 1 to 900 seconds"),
        ({"timeout_s": 901}, "timeout_s", "from 1 to 900 seconds"),
        ({"function_name": "my function"}, "function_name", "1 to 59 characters"),
        ({"function_name": "a" * 65}, "function_name", "1 to 59 characters"),
        ({"function_name": "a" * 60}, "function_name", "IAM's 64"),
        ({"function_name": ""}, "function_name", "letters, digits, hyphens and underscores"),
        ({"function_name": "name.v2"}, "function_name", "letters, digits, hyphens"),
        ({"runtime": "python2.7"}, "runtime", "'python3.10', 'python3.11'"),
        ({"runtime": "python3.9"}, "runtime", "'python3.13'"),
        ({"runtime": "nodejs20.x"}, "runtime", "one of"),
        ({"architecture": "amd64"}, "architecture", "'x86_64', 'arm64'"),
        ({"environment": {"BIG": BIG}}, "environment", "at most 4096 bytes"),
        ({"environment": {"AWS_REGION": "x"}}, "environment", "reserved"),
        ({"environment": {"1ST": "x"}}, "environment", "start with a letter"),
        ({"log_retention_days": 13}, "log_retention_days", "14, 30"),
        ({"log_retention_days": 14.0}, "log_retention_days", "one of"),
        ({"log_retention_days": 0}, "log_retention_days", "3653"),
        ({"front_door": "alb"}, "front_door", "'function-url', 'http-api', 'none'"),
        ({"auth": "PUBLIC"}, "auth", "'NONE', 'AWS_IAM'"),
        ({"handler": "my handler"}, "handler", "without whitespace"),
        ({"handler": ""}, "handler", "1 to 128 characters"),
        ({"description": "d" * 257}, "description", "at most 256"),
    ],
)
def test_invalid_config_names_field_and_allowed_range(
    changes: dict[str, Any], field_name: str, allowed: str
) -> None:
    with pytest.raises(ValueError) as raised:
        config(**changes)
    message = str(raised.value)
    assert message.startswith(field_name) or f"{field_name} key" in message
    assert allowed in message


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"memory_mb": "1024"}, "memory_mb"),
        ({"memory_mb": True}, "memory_mb"),
        ({"timeout_s": 1.5}, "timeout_s"),
        ({"environment": {"COUNT": 3}}, "environment"),
        ({"environment": ["A=1"]}, "environment"),
        ({"function_name": None}, "function_name"),
    ],
)
def test_wrong_types_raise_type_error_naming_field(
    changes: dict[str, Any], field_name: str
) -> None:
    with pytest.raises(TypeError, match=f"^{field_name}"):
        config(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"memory_mb": 128, "timeout_s": 1},
        {"memory_mb": 10240, "timeout_s": 900},
        {"function_name": "a" * 59},
        {"function_name": "Sentiment_v2-arm"},
        {"architecture": "x86_64", "runtime": "python3.10"},
        {"runtime": "python3.13"},
        {"environment": {}},
        # {"BIG":"x...x"} is 10 bytes of JSON plus the value: exactly the 4 KB limit.
        {"environment": {"BIG": "x" * (ENVIRONMENT_MAX_BYTES - 10)}},
        {"log_retention_days": 1},
        {"log_retention_days": 3653},
        {"front_door": "none", "auth": "NONE"},
    ],
)
def test_boundary_configs_are_accepted(changes: dict[str, Any]) -> None:
    built = config(**changes)
    for name, value in changes.items():
        assert getattr(built, name) == value


def test_environment_one_byte_over_the_limit_is_rejected() -> None:
    with pytest.raises(ValueError, match="got 4097 bytes"):
        config(environment={"BIG": "x" * (ENVIRONMENT_MAX_BYTES - 9)})


def test_config_defaults_and_derived_names() -> None:
    built = FunctionConfig("sentiment", memory_mb=1024, timeout_s=10, architecture="x86_64")
    assert (built.runtime, built.handler) == ("python3.11", "handler.handler")
    assert (built.front_door, built.auth, built.log_retention_days) == (
        "function-url",
        "AWS_IAM",
        14,
    )
    assert dict(built.environment) == {}
    assert (built.role_name, built.policy_name) == ("sentiment-role", "sentiment-logs")
    assert built.log_group_name == "/aws/lambda/sentiment"
    assert 14 in LOG_RETENTION_DAYS


def test_config_keeps_its_own_copy_of_the_environment() -> None:
    variables = {"LOG_LEVEL": "INFO"}
    built = config(environment=variables)
    variables["LOG_LEVEL"] = "DEBUG"
    assert built.environment == {"LOG_LEVEL": "INFO"}


# ------------------------------------------------------------------------------ policies


def test_trust_policy_lets_only_lambda_assume_the_role() -> None:
    (statement,) = lambda_trust_policy()["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


def test_least_privilege_policy_is_exactly_two_log_actions_on_one_group() -> None:
    assert least_privilege_policy("sentiment", "eu-west-1", ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/sentiment:*",
            }
        ],
    }
    china = least_privilege_policy("sentiment", "cn-north-1", ACCOUNT, partition="aws-cn")
    assert china["Statement"][0]["Resource"].startswith("arn:aws-cn:logs:cn-north-1:")
    actions = [a for s in china["Statement"] for a in s["Action"]]
    assert "logs:CreateLogGroup" not in actions
    assert not any("*" in action for action in actions)


@pytest.mark.parametrize(
    ("arguments", "field_name"),
    [
        (("sentiment", "us-east", ACCOUNT), "region"),
        (("sentiment", "US-EAST-1", ACCOUNT), "region"),
        (("sentiment", "us-east-1", "12345"), "account_id"),
        (("sentiment", "us-east-1", "12345678901a"), "account_id"),
        (("bad name", "us-east-1", ACCOUNT), "function_name"),
    ],
)
def test_least_privilege_policy_rejects_bad_arn_parts(
    arguments: tuple[str, str, str], field_name: str
) -> None:
    with pytest.raises(ValueError, match=f"^{field_name}"):
        least_privilege_policy(*arguments)


# ---------------------------------------------------------------------------- code from S3


def test_a_zip_in_s3_is_deployed_and_redeployed(aws: Aws) -> None:
    # A model-sized zip is over the 50 MB direct upload; it goes through S3 instead.
    s3 = _session().client(
        "s3",
        endpoint_url=aws.lambda_.meta.endpoint_url
        if "127.0.0.1" in aws.lambda_.meta.endpoint_url
        else None,
    )
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="fn.zip", Body=ZIP)
    first = aws.deploy(config(), None, s3_code=("artifacts", "fn.zip"))
    second = aws.deploy(config(memory_mb=2048), None, s3_code=("artifacts", "fn.zip"))
    assert (first.created, second.created) == (True, False)
    assert aws.lambda_.get_function_configuration(FunctionName=NAME)["MemorySize"] == 2048


@pytest.mark.parametrize(
    ("zip_bytes", "s3_code", "message"),
    [
        (None, None, "exactly one"),
        (ZIP, ("b", "k"), "exactly one"),
        (None, ("", "k"), "both non-empty"),
    ],
)
def test_code_must_come_from_exactly_one_place(
    in_process: Aws, zip_bytes: Any, s3_code: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        in_process.deploy(config(), zip_bytes, s3_code=s3_code)
