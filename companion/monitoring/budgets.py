"""The AWS-side safety net, set up idempotently: an AWS Budget, its SNS topic, a daily schedule.

Three pieces, each safe to run again (a second run changes nothing):

* :func:`ensure_alert_topic` creates the SNS topic the alerts go to (``CreateTopic`` is
  idempotent) and lets AWS Budgets publish to it (:func:`ensure_budgets_can_publish`: a topic
  policy statement for the ``budgets.amazonaws.com`` service principal, limited to budgets of
  this account).
* :func:`ensure_budget` creates or reconciles a monthly COST budget whose ACTUAL and FORECASTED
  notifications go to that topic and to up to 10 e-mail addresses. AWS Budgets evaluates it
  itself, several times a day, even when our own check is broken: belt and braces.
* :func:`ensure_daily_schedule` creates the EventBridge rule that runs the check function once
  a day, and :func:`schedule_invoke_permission` the ``lambda:AddPermission`` request that lets
  the rule invoke it.

AWS Budgets' limits, checked before any call (``BudgetError`` never leaves a half-made budget):
at most **10 notifications per budget**, each with **1 SNS topic and at most 10 e-mail
subscribers**. Budgets' IAM actions are coarser than its API: every ``Describe*`` needs
``budgets:ViewBudget``, every change ``budgets:ModifyBudget``; errors name those.

Reconciling, not recreating: a changed limit is an ``UpdateBudget``; a notification that is
wanted but missing is created, one no longer wanted deleted, and a kept notification's
subscribers are added or removed one by one (``CreateSubscriber``/``DeleteSubscriber``), so a
notification already in ``ALARM`` is not reset and does not fire a second time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import _aws
from .alerts import DEFAULT_RULES, AlertRule, check_topic_name
from .exceptions import BudgetError, MonitoringConfigError, MonitoringError, aws_call

__all__ = [
    "BudgetResult",
    "daily_schedule_expression",
    "ensure_alert_topic",
    "ensure_budget",
    "ensure_budgets_can_publish",
    "ensure_daily_schedule",
    "ensure_single_check_at_a_time",
    "schedule_invoke_permission",
]

MAX_NOTIFICATIONS = 10
MAX_EMAIL_SUBSCRIBERS = 10
BUDGETS_PUBLISH_SID = "AllowAWSBudgetsToPublish"
SCHEDULE_TARGET_ID = "cost-check"
SCHEDULE_STATEMENT_ID = "allow-eventbridge-daily-cost-check"
# Budgets' IAM actions: one to read, one to change (the API names are finer than IAM's).
_VIEW, _MODIFY = "budgets:ViewBudget", "budgets:ModifyBudget"
_BUDGET_NAME = re.compile(r"[^:\\]{1,100}")
_ACCOUNT_ID = _aws.ACCOUNT_ID
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TOPIC_ARN = _aws.arn_pattern("sns", r"(?P<name>[A-Za-z0-9_-]{1,256})")
_FUNCTION_ARN = _aws.arn_pattern("lambda", r"function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?")
_RULE_ARN = _aws.arn_pattern("events", r"rule/.+")
_RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_NOT_FOUND = frozenset({"NotFoundException", "ResourceNotFoundException", "NotFound"})


def _code(exc: BaseException) -> str:
    response = getattr(exc.__cause__, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _pages(action: str, method: Any, items_key: str, **request: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Budgets listing, following ``NextToken``."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        extra = {"NextToken": token} if token else {}
        page = aws_call(action, BudgetError, method, **request, **extra)
        yield from page.get(items_key) or []
        token = page.get("NextToken") or None
        if token is None:
            return
        if token in seen:
            raise BudgetError(f"{action} returned the page token {token!r} twice; stopping")
        seen.add(token)


# ---------------------------------------------------------------------------- the SNS topic


def budgets_publish_statement(topic_arn: str, account_id: str) -> dict[str, Any]:
    """The topic policy statement that lets AWS Budgets publish to ``topic_arn``, for budgets of
    ``account_id`` only (``aws:SourceAccount``, ``aws:SourceArn``: no other account's budget
    can use the topic, the "confused deputy" guard AWS recommends)."""
    match = _TOPIC_ARN.fullmatch(topic_arn) if isinstance(topic_arn, str) else None
    if match is None:
        raise MonitoringConfigError(f"topic_arn must be an SNS topic ARN, got {topic_arn!r}")
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise MonitoringConfigError(f"account_id must be 12 digits, got {account_id!r}")
    partition = match["partition"]
    return {
        "Sid": BUDGETS_PUBLISH_SID,
        "Effect": "Allow",
        "Principal": {"Service": "budgets.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": topic_arn,
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:budgets::{account_id}:*"},
        },
    }


def ensure_budgets_can_publish(sns: Any, *, topic_arn: str, account_id: str) -> bool:
    """Add (or fix) :func:`budgets_publish_statement` in the topic's access policy, keeping
    every other statement. Returns True when the policy changed, False when it was already
    right (then nothing is written)."""
    wanted = budgets_publish_statement(topic_arn, account_id)
    answer = aws_call(
        "sns:GetTopicAttributes", BudgetError, sns.get_topic_attributes, TopicArn=topic_arn
    )
    current = answer.get("Attributes", {}).get("Policy")
    policy: dict[str, Any] = (
        json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
    )
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    others = [s for s in statements if s.get("Sid") != BUDGETS_PUBLISH_SID]
    if len(others) == len(statements) - 1 and wanted in statements:
        return False
    policy["Statement"] = [*others, wanted]
    aws_call(
        "sns:SetTopicAttributes",
        BudgetError,
        sns.set_topic_attributes,
        TopicArn=topic_arn,
        AttributeName="Policy",
        AttributeValue=json.dumps(policy),
    )
    return True


def ensure_alert_topic(sns: Any, *, topic_name: str, account_id: str) -> str:
    """Create the standard SNS topic ``topic_name`` if it is missing (``CreateTopic`` returns
    the existing topic's ARN otherwise), let AWS Budgets publish to it, and return its ARN.

    Subscribe the people who should hear about costs yourself (``sns.subscribe`` with
    ``Protocol="email"``: each address must confirm); the Budgets' own e-mail subscribers
    (:func:`ensure_budget`'s ``emails``) need no confirmation.
    """
    check_topic_name(topic_name)
    answer = aws_call("sns:CreateTopic", BudgetError, sns.create_topic, Name=topic_name)
    arn = str(answer["TopicArn"])
    ensure_budgets_can_publish(sns, topic_arn=arn, account_id=account_id)
    return arn


# ---------------------------------------------------------------------------- the budget


@dataclass(frozen=True)
class BudgetResult:
    """What :func:`ensure_budget` did: ``created`` a new budget, or ``updated`` an existing one
    (limit, notifications or subscribers); ``changes`` lists each change in words. Both False:
    the budget was already as asked."""

    created: bool
    updated: bool
    changes: tuple[str, ...] = ()


def _check_thresholds(thresholds: Sequence[AlertRule]) -> tuple[AlertRule, ...]:
    rules = tuple(thresholds) if isinstance(thresholds, list | tuple) else None
    if rules is None or not all(isinstance(rule, AlertRule) for rule in rules):
        raise MonitoringConfigError(
            f"thresholds must be a tuple of AlertRule (kind and percent), got {thresholds!r}"
        )
    if not 1 <= len(rules) <= MAX_NOTIFICATIONS:
        raise MonitoringConfigError(
            f"thresholds must hold 1 to {MAX_NOTIFICATIONS} rules (AWS Budgets allows "
            f"{MAX_NOTIFICATIONS} notifications per budget), got {len(rules)}"
        )
    keys = [rule.key for rule in rules]
    if len(set(keys)) != len(keys):
        raise MonitoringConfigError(f"thresholds must be unique, got {', '.join(keys)}")
    return rules


def _check_emails(emails: Sequence[str]) -> tuple[str, ...]:
    if isinstance(emails, str):
        raise MonitoringConfigError(f"emails must be a sequence of addresses, got {emails!r}")
    addresses = tuple(emails)
    if len(addresses) > MAX_EMAIL_SUBSCRIBERS:
        raise MonitoringConfigError(
            f"emails may hold at most {MAX_EMAIL_SUBSCRIBERS} addresses (AWS Budgets allows "
            f"{MAX_EMAIL_SUBSCRIBERS} e-mail subscribers per notification), got {len(addresses)}"
        )
    for address in addresses:
        if not isinstance(address, str) or not _EMAIL.fullmatch(address):
            raise MonitoringConfigError(f"emails: {address!r} is not an e-mail address")
    if len(set(addresses)) != len(addresses):
        raise MonitoringConfigError(f"emails must be unique, got {', '.join(addresses)}")
    return addresses


def _limit_amount(limit_usd: float) -> str:
    if isinstance(limit_usd, bool) or not isinstance(limit_usd, int | float):
        raise MonitoringConfigError(f"limit_usd must be a number of USD, got {limit_usd!r}")
    if not (math.isfinite(limit_usd) and limit_usd >= 0.01):
        raise MonitoringConfigError(f"limit_usd must be at least USD 0.01, got {limit_usd!r}")
    return f"{limit_usd:.2f}"  # Budgets counts in cents


def _same_amount(a: object, b: str) -> bool:
    try:
        return Decimal(str(a)) == Decimal(b)
    except InvalidOperation:
        return False


def _notification(rule: AlertRule) -> dict[str, Any]:
    return {
        "NotificationType": rule.kind,
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": rule.threshold_percent,
        "ThresholdType": "PERCENTAGE",
    }


def _notification_key(notification: dict[str, Any]) -> tuple[str, str, float, str]:
    return (
        str(notification.get("NotificationType")),
        str(notification.get("ComparisonOperator")),
        float(notification.get("Threshold", 0.0)),
        str(notification.get("ThresholdType") or "PERCENTAGE"),
    )


def _describe(notification: dict[str, Any]) -> str:
    kind, _, threshold, threshold_type = _notification_key(notification)
    unit = "%" if threshold_type == "PERCENTAGE" else " USD"
    return f"{kind} > {threshold:g}{unit}"


@dataclass(frozen=True)
class _WantedBudget:
    """The budget as asked for, checked: whose it is, its limit, and the notifications (by
    :func:`_notification_key`) each with the same subscribers."""

    account_id: str
    name: str
    amount: str
    subscribers: list[dict[str, str]]
    notifications: dict[tuple[str, str, float, str], dict[str, Any]]

    @property
    def ids(self) -> dict[str, str]:
        return {"AccountId": self.account_id, "BudgetName": self.name}

    @property
    def limit(self) -> dict[str, str]:
        return {"Amount": self.amount, "Unit": "USD"}


def _wanted_budget(
    account_id: str,
    name: str,
    limit_usd: float,
    topic_arn: str,
    emails: Sequence[str],
    thresholds: Sequence[AlertRule],
) -> _WantedBudget:
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise MonitoringConfigError(f"account_id must be 12 digits, got {account_id!r}")
    if not isinstance(name, str) or not _BUDGET_NAME.fullmatch(name):
        raise MonitoringConfigError(
            f"name must be 1 to 100 characters without ':' or '\\' (AWS Budgets' rule), "
            f"got {name!r}"
        )
    amount = _limit_amount(limit_usd)
    if not isinstance(topic_arn, str) or not _TOPIC_ARN.fullmatch(topic_arn):
        raise MonitoringConfigError(f"topic_arn must be an SNS topic ARN, got {topic_arn!r}")
    addresses = _check_emails(emails)
    rules = _check_thresholds(thresholds)
    subscribers = [{"SubscriptionType": "SNS", "Address": topic_arn}] + [
        {"SubscriptionType": "EMAIL", "Address": address} for address in addresses
    ]
    wanted = {_notification_key(_notification(rule)): _notification(rule) for rule in rules}
    return _WantedBudget(account_id, name, amount, subscribers, wanted)


def _describe_or_create(budgets: Any, want: _WantedBudget) -> dict[str, Any] | None:
    """The existing budget's description, or ``None`` when this call created the budget."""
    answer: dict[str, Any] | None
    try:
        answer = aws_call(_VIEW, BudgetError, budgets.describe_budget, **want.ids)
    except BudgetError as exc:
        if _code(exc) not in _NOT_FOUND:
            raise
        answer = None
    if answer is not None:
        return answer
    try:
        aws_call(
            _MODIFY,
            BudgetError,
            budgets.create_budget,
            AccountId=want.account_id,
            Budget={
                "BudgetName": want.name,
                "BudgetLimit": want.limit,
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
            },
            NotificationsWithSubscribers=[
                {"Notification": notification, "Subscribers": want.subscribers}
                for notification in want.notifications.values()
            ],
        )
        return None
    except BudgetError as exc:
        if _code(exc) != "DuplicateRecordException":
            raise
        # Created meanwhile by another run: reconcile it.
        answer = aws_call(_VIEW, BudgetError, budgets.describe_budget, **want.ids)
        return answer


def _check_monthly_cost(budget: dict[str, Any], name: str) -> None:
    if budget.get("BudgetType") != "COST" or budget.get("TimeUnit") != "MONTHLY":
        raise BudgetError(
            f"a budget named {name!r} already exists as a {budget.get('TimeUnit')} "
            f"{budget.get('BudgetType')} budget, not a MONTHLY COST one; choose another name "
            "or delete it"
        )


def _reconcile_limit(budgets: Any, want: _WantedBudget, budget: dict[str, Any]) -> list[str]:
    """An ``UpdateBudget`` when the limit differs (the rest of the budget as it is)."""
    current_limit = budget.get("BudgetLimit") or {}
    if current_limit.get("Unit") == "USD" and _same_amount(
        current_limit.get("Amount"), want.amount
    ):
        return []
    new_budget = {
        key: value
        for key, value in budget.items()
        if key not in {"CalculatedSpend", "LastUpdatedTime", "HealthStatus", "PlannedBudgetLimits"}
    }
    new_budget["BudgetLimit"] = want.limit
    aws_call(
        _MODIFY, BudgetError, budgets.update_budget, AccountId=want.account_id, NewBudget=new_budget
    )
    old = f"{current_limit.get('Amount')} {current_limit.get('Unit')}"
    return [f"limit {old} -> {want.amount} USD"]


def _reconcile_notifications(budgets: Any, want: _WantedBudget) -> list[str]:
    """Delete the notifications no longer wanted, reconcile the kept ones' subscribers, then
    create the missing ones."""
    ids = want.ids
    existing = list(
        _pages(_VIEW, budgets.describe_notifications_for_budget, "Notifications", **ids)
    )
    existing_keys = {_notification_key(n) for n in existing}
    changes: list[str] = []
    for notification in existing:
        key = _notification_key(notification)
        if key not in want.notifications:
            aws_call(
                _MODIFY, BudgetError, budgets.delete_notification, **ids, Notification=notification
            )
            changes.append(f"removed notification {_describe(notification)}")
            continue
        changes += _reconcile_subscribers(budgets, ids, notification, want.subscribers)
    for key, notification in want.notifications.items():
        if key not in existing_keys:
            aws_call(
                _MODIFY,
                BudgetError,
                budgets.create_notification,
                **ids,
                Notification=notification,
                Subscribers=want.subscribers,
            )
            changes.append(f"added notification {_describe(notification)}")
    return changes


def ensure_budget(
    budgets: Any,
    *,
    account_id: str,
    name: str,
    limit_usd: float,
    topic_arn: str,
    emails: Sequence[str] = (),
    thresholds: Sequence[AlertRule] = DEFAULT_RULES,
) -> BudgetResult:
    """Create or reconcile the monthly COST budget ``name`` of ``account_id``.

    The budget's limit is ``limit_usd`` per month (rounded to cents). Each rule in
    ``thresholds`` becomes a notification (``ACTUAL`` or ``FORECASTED``, ``GREATER_THAN``, a
    ``PERCENTAGE`` threshold) with the SNS topic ``topic_arn`` and every address in ``emails``
    as subscribers. The topic must let AWS Budgets publish (:func:`ensure_alert_topic`).

    Idempotent: a missing budget is created with its notifications in one call; an existing one
    gets only what differs (see the module's docstring); a second run makes no change and
    returns ``BudgetResult(created=False, updated=False)``. Everything is validated before the
    first call. Raises :class:`~.exceptions.BudgetError` when a budget of that name exists but
    is not a monthly COST budget (it is not ours to convert), or when AWS refuses a call
    (:class:`~.exceptions.PermissionDeniedError` naming ``budgets:ViewBudget`` or
    ``budgets:ModifyBudget`` for a denial).
    """
    want = _wanted_budget(account_id, name, limit_usd, topic_arn, emails, thresholds)
    answer = _describe_or_create(budgets, want)
    if answer is None:
        return BudgetResult(created=True, updated=False, changes=(f"created budget {name}",))
    budget = dict(answer["Budget"])
    _check_monthly_cost(budget, name)
    changes = _reconcile_limit(budgets, want, budget)
    changes += _reconcile_notifications(budgets, want)
    return BudgetResult(created=False, updated=bool(changes), changes=tuple(changes))


def _reconcile_subscribers(
    budgets: Any,
    ids: dict[str, str],
    notification: dict[str, Any],
    wanted: list[dict[str, str]],
) -> list[str]:
    current = list(
        _pages(
            _VIEW,
            budgets.describe_subscribers_for_notification,
            "Subscribers",
            **ids,
            Notification=notification,
        )
    )
    have = {(s["SubscriptionType"], s["Address"]) for s in current}
    want = {(s["SubscriptionType"], s["Address"]) for s in wanted}
    removals = [s for s in current if (s["SubscriptionType"], s["Address"]) not in want]
    additions = [s for s in wanted if (s["SubscriptionType"], s["Address"]) not in have]
    # A notification holds 1 to 11 subscribers at every moment, so remove before adding; when
    # no subscriber stays, one old one holds the place until the first new one is in.
    placeholder = removals.pop() if removals and not (have & want) else None
    changes = [_delete_subscriber(budgets, ids, notification, s) for s in removals]
    if placeholder is not None:
        changes.append(_create_subscriber(budgets, ids, notification, additions.pop(0)))
        changes.append(_delete_subscriber(budgets, ids, notification, placeholder))
    changes += [_create_subscriber(budgets, ids, notification, s) for s in additions]
    return changes


def _create_subscriber(
    budgets: Any, ids: dict[str, str], notification: dict[str, Any], subscriber: dict[str, str]
) -> str:
    aws_call(
        _MODIFY,
        BudgetError,
        budgets.create_subscriber,
        **ids,
        Notification=notification,
        Subscriber=subscriber,
    )
    return (
        f"added {subscriber['SubscriptionType']} subscriber {subscriber['Address']} "
        f"to {_describe(notification)}"
    )


def _delete_subscriber(
    budgets: Any, ids: dict[str, str], notification: dict[str, Any], subscriber: dict[str, str]
) -> str:
    aws_call(
        _MODIFY,
        BudgetError,
        budgets.delete_subscriber,
        **ids,
        Notification=notification,
        Subscriber=subscriber,
    )
    return (
        f"removed {subscriber['SubscriptionType']} subscriber {subscriber['Address']} "
        f"from {_describe(notification)}"
    )


# ---------------------------------------------------------------------------- the schedule


def daily_schedule_expression(hour_utc: int = 8) -> str:
    """EventBridge's schedule for every day at ``hour_utc``:00 UTC: ``cron(0 8 * * ? *)``
    (minutes, hours, day of month, month, day of week, year; one of the two day fields must be
    ``?``). EventBridge rules' cron expressions are always in UTC."""
    if isinstance(hour_utc, bool) or not isinstance(hour_utc, int) or not 0 <= hour_utc <= 23:
        raise MonitoringConfigError(f"hour_utc must be a whole hour 0 to 23, got {hour_utc!r}")
    return f"cron(0 {hour_utc} * * ? *)"


def ensure_daily_schedule(
    events: Any, *, rule_name: str, function_arn: str, hour_utc: int = 8
) -> str:
    """Create or fix the EventBridge rule ``rule_name`` that invokes ``function_arn`` every day
    at ``hour_utc``:00 UTC, and return the rule's ARN.

    Idempotent: ``PutRule`` runs only when the schedule, state or description differ, and
    ``PutTargets`` only when the target ``cost-check`` is missing or points elsewhere (other
    targets on the rule are left alone). Cost Explorer refreshes its data a few times a day,
    and each of its requests costs USD 0.01, so once a day is enough.

    The rule also needs permission to invoke the function: pass
    :func:`schedule_invoke_permission`'s result to ``lambda_client.add_permission`` once (the
    deploy does; this module needs no Lambda client).
    """
    if not isinstance(rule_name, str) or not _RULE_NAME.fullmatch(rule_name):
        raise MonitoringConfigError(
            f"rule_name must be 1 to 64 of the characters A-Z a-z 0-9 . - _, got {rule_name!r}"
        )
    if not isinstance(function_arn, str) or not _FUNCTION_ARN.fullmatch(function_arn):
        raise MonitoringConfigError(
            f"function_arn must be a Lambda function ARN, got {function_arn!r}"
        )
    expression = daily_schedule_expression(hour_utc)
    description = f"Daily AWS cost check at {hour_utc:02d}:00 UTC (run-ml-for-pennies)"
    try:
        rule = aws_call(
            "events:DescribeRule", MonitoringError, events.describe_rule, Name=rule_name
        )
    except MonitoringError as exc:
        if _code(exc) not in _NOT_FOUND:
            raise
        rule = None
    if rule is None or (
        rule.get("ScheduleExpression"),
        rule.get("State"),
        rule.get("Description"),
    ) != (expression, "ENABLED", description):
        answer = aws_call(
            "events:PutRule",
            MonitoringError,
            events.put_rule,
            Name=rule_name,
            ScheduleExpression=expression,
            State="ENABLED",
            Description=description,
        )
        rule_arn = str(answer["RuleArn"])
    else:
        rule_arn = str(rule["Arn"])
    targets = aws_call(
        "events:ListTargetsByRule", MonitoringError, events.list_targets_by_rule, Rule=rule_name
    ).get("Targets", [])
    ours = [t for t in targets if t.get("Id") == SCHEDULE_TARGET_ID]
    if not ours or ours[0].get("Arn") != function_arn or "Input" in ours[0]:
        answer = aws_call(
            "events:PutTargets",
            MonitoringError,
            events.put_targets,
            Rule=rule_name,
            Targets=[{"Id": SCHEDULE_TARGET_ID, "Arn": function_arn}],
        )
        if answer.get("FailedEntryCount"):
            raise MonitoringError(
                f"events:PutTargets refused the target: {answer.get('FailedEntries')}"
            )
    return rule_arn


def schedule_invoke_permission(
    function_arn: str, rule_arn: str, *, statement_id: str = SCHEDULE_STATEMENT_ID
) -> dict[str, str]:
    """The ``lambda_client.add_permission(**request)`` request that lets the EventBridge rule
    ``rule_arn`` (and only it: ``SourceArn``) invoke ``function_arn``.

    Without it EventBridge's invocations fail silently (the rule's ``FailedInvocations`` metric
    is the only trace). Lambda answers ``ResourceConflictException`` when a statement with
    ``statement_id`` exists already: that is the idempotent case.
    """
    if not isinstance(function_arn, str) or not _FUNCTION_ARN.fullmatch(function_arn):
        raise MonitoringConfigError(
            f"function_arn must be a Lambda function ARN, got {function_arn!r}"
        )
    if not isinstance(rule_arn, str) or not _RULE_ARN.fullmatch(rule_arn):
        raise MonitoringConfigError(f"rule_arn must be an EventBridge rule ARN, got {rule_arn!r}")
    return {
        "FunctionName": function_arn,
        "StatementId": statement_id,
        "Action": "lambda:InvokeFunction",
        "Principal": "events.amazonaws.com",
        "SourceArn": rule_arn,
    }


def ensure_single_check_at_a_time(lambda_client: Any, function_name: str) -> bool:
    """Reserve a concurrency of 1 for the check function, so overlapping invocations (an
    EventBridge delivery twice, a retry beside a manual run) are throttled and retried instead
    of running side by side; the claims of :func:`.alerts.claim_alert` then rarely have work to
    do. Idempotent: returns whether it changed anything."""
    if not isinstance(function_name, str) or not function_name:
        raise MonitoringConfigError(
            f"function_name must be a function name or ARN, got {function_name!r}"
        )
    current = aws_call("lambda:GetFunctionConcurrency", MonitoringError,
                       lambda_client.get_function_concurrency, FunctionName=function_name)  # fmt: skip
    if current.get("ReservedConcurrentExecutions") == 1:
        return False
    aws_call("lambda:PutFunctionConcurrency", MonitoringError, lambda_client.put_function_concurrency,
             FunctionName=function_name, ReservedConcurrentExecutions=1)  # fmt: skip
    return True
