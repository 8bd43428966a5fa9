"""The least-privilege IAM policy of the scheduled cost-check function (:mod:`.check`).

Built from the calls the check makes, and nothing else (the tests record every AWS operation a
run makes and compare them with this policy, so a new call without a new permission, or a
permission nobody uses, fails the build):

=========================  ===============================================================
IAM action                 Resource
=========================  ===============================================================
``ce:GetCostAndUsage``     ``*`` (Cost Explorer has no resource-level permissions for it)
``ce:GetCostForecast``     ``*`` (likewise)
``sns:Publish``            the alert topic's ARN
``ssm:GetParameter``       the state parameter's ARN (also covers ``name:version`` reads)
``ssm:PutParameter``       the state parameter's ARN
``ssm:*Parameter``         ``<state parameter>-claims/*``: the per-rule claims, written before
                           publishing, deleted when a publish fails (:func:`.alerts.claim_alert`)
=========================  ===============================================================

Not in the policy, on purpose:

* ``sts:GetCallerIdentity``, which :func:`~.alerts.resolve_topic_arn` calls outside Lambda:
  AWS answers it whatever the policy says, so granting it would be noise. In Lambda the check
  does not call it at all (the account comes from the function's own ARN).
* ``sns:CreateTopic``: the check publishes to a topic that setup created; creating one at
  check time would hide a misspelt topic name (see :mod:`.alerts`).
* ``kms:*``: the state parameter is a plain ``String``; if you encrypt the topic with a
  customer-managed KMS key, add ``kms:GenerateDataKey`` and ``kms:Decrypt`` on that key.
* ``logs:CreateLogStream``/``logs:PutLogEvents``: the Lambda runtime writes the logs, not the
  check's code; pass ``function_name`` to add the same statement the course's deploy grants
  (:func:`companion.serverless.least_privilege_policy`).
"""

from __future__ import annotations

from typing import Any

from .alerts import AlertConfig, check_location, topic_arn
from .exceptions import MonitoringConfigError

__all__ = [
    "check_function_policy",
]

# Every action the check's code may call, and the only ones the policy grants.
CHECK_FUNCTION_ACTIONS: frozenset[str] = frozenset(
    {
        "ce:GetCostAndUsage",
        "ce:GetCostForecast",
        "sns:Publish",
        "ssm:DeleteParameter",
        "ssm:GetParameter",
        "ssm:PutParameter",
    }
)
# Operations AWS allows to every principal, whatever its policies say.
ACTIONS_WITHOUT_PERMISSION: frozenset[str] = frozenset({"sts:GetCallerIdentity"})
# boto3 service (endpoint prefix) -> IAM prefix, for the services whose IAM action names are
# their API operation names. Budgets is the exception (ViewBudget/ModifyBudget): not here.
_IAM_PREFIX = {"ce": "ce", "sns": "sns", "ssm": "ssm", "sts": "sts", "events": "events"}


def iam_action(service: str, operation: str) -> str:
    """The IAM action of a boto3 call: ``iam_action("sns", "Publish") == "sns:Publish"``.

    ``service`` is the client's endpoint prefix (``client.meta.service_model.endpoint_prefix``).
    Only for the services the cost check uses, whose IAM actions are named after the API
    operations.
    """
    if service not in _IAM_PREFIX:
        raise MonitoringConfigError(
            f"no IAM action mapping for service {service!r}; known: {', '.join(_IAM_PREFIX)}"
        )
    return f"{_IAM_PREFIX[service]}:{operation}"


def state_parameter_arn(name: str, *, region: str, account_id: str, partition: str = "aws") -> str:
    """The ARN of the SSM parameter ``name``: ``arn:aws:ssm:<region>:<account>:parameter/<name
    without its leading slash>`` (SSM writes exactly one slash after ``parameter``)."""
    check_location(region, account_id, partition)
    return f"arn:{partition}:ssm:{region}:{account_id}:parameter/{name.lstrip('/')}"


def check_function_policy(
    config: AlertConfig,
    *,
    region: str,
    account_id: str,
    partition: str = "aws",
    function_name: str | None = None,
) -> dict[str, Any]:
    """The IAM policy document for the role of the cost-check function that runs with
    ``config`` in ``region`` of ``account_id``: exactly :data:`CHECK_FUNCTION_ACTIONS`, each on
    the narrowest resource the API allows (see the module's docstring).

    With ``function_name``, a last statement (Sid ``WriteOwnLogs``) lets the Lambda runtime
    write to the function's own log group, as the course's deploy grants it.
    """
    if not isinstance(config, AlertConfig):
        raise MonitoringConfigError(f"config must be an AlertConfig, got {config!r}")
    check_location(region, account_id, partition)
    topic = topic_arn(config.topic_name, region=region, account_id=account_id, partition=partition)
    parameter = state_parameter_arn(
        config.state_parameter, region=region, account_id=account_id, partition=partition
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadCosts",
            "Effect": "Allow",
            "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"],
            "Resource": "*",
        },
        {
            "Sid": "PublishAlerts",
            "Effect": "Allow",
            "Action": ["sns:Publish"],
            "Resource": topic,
        },
        {
            "Sid": "ReadWriteAlertState",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:PutParameter"],
            "Resource": parameter,
        },
        {
            "Sid": "ClaimAlerts",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
            "Resource": f"{parameter}-claims/*",
        },
    ]
    if function_name is not None:
        from companion.serverless.deployment import least_privilege_policy

        try:
            logs = least_privilege_policy(function_name, region, account_id, partition=partition)
        except ValueError as exc:
            raise MonitoringConfigError(f"function_name: {exc}") from None
        statements += logs["Statement"]
    return {"Version": "2012-10-17", "Statement": statements}


def policy_actions(policy: dict[str, Any], *, exclude_sids: tuple[str, ...] = ()) -> set[str]:
    """Every action an IAM policy document allows (statements with a Sid in ``exclude_sids``
    left out)."""
    actions: set[str] = set()
    for statement in policy.get("Statement", []):
        if statement.get("Sid") in exclude_sids or statement.get("Effect") != "Allow":
            continue
        action = statement.get("Action", [])
        actions.update([action] if isinstance(action, str) else action)
    return actions
