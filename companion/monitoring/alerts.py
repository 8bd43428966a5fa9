"""Cost alerts that are sent once per rule per month, to an SNS topic named (not hard-coded).

A rule is "actual cost above 80 % of the budget" or "projected month-end cost above 100 %".
The scheduled check (:mod:`.check`) asks :func:`crossed_rules` which rules the current numbers
cross, and :func:`send_alerts` publishes the ones **not yet sent this billing month**.

**Dedupe.** Which rules were sent is kept in one SSM Parameter Store ``String`` parameter
(standard tier, free), as JSON: ``{"period": "2026-11", "sent": ["ACTUAL:50", "ACTUAL:80"]}``.
A state from an earlier month counts as empty, so every rule may fire again on the 1st; a
missing parameter is an empty state. The state is written **after** each successful publish
(``PutParameter`` with ``Overwrite=True``), one write per alert, so:

* a publish that fails records nothing, and the next run sends that alert again (nothing is
  lost); the error is raised, never swallowed;
* a run that dies between two publishes has recorded the first, so it is not sent twice;
* a publish that succeeds but whose state write fails raises too (with a note saying the alert
  went out and will be sent again on the next run).

Nothing is lost: a budget alert that never arrives is the thing this lesson exists to prevent.

**Two runs at once.** The check runs once a day from EventBridge; two overlapping runs happen
when EventBridge delivers the event twice (its delivery is at-least-once), when Lambda's retry
of a failed async invocation overlaps a manual run, or when someone runs it by hand at 08:00.
Both read the same state, so without more each would publish every new rule. Each rule is
therefore **claimed before it is published** (:func:`claim_alert`): a per-rule SSM parameter
beside the state (:func:`claim_parameter`), created with ``PutParameter`` *without*
``Overwrite``, which succeeds for exactly one run; the others skip the rule. The claim is
marked ``sent`` after the publish, and withdrawn (``DeleteParameter``) when the publish fails,
so the next run sends it: **at most once, never lost**. The one window left is a run that dies
after publishing and before recording: its claim stays ``claimed``; after :data:`CLAIM_LEASE`
the next run takes it over and publishes again, **one duplicate per such crash**, never more
(``tests/test_monitoring_concurrency.py`` races 2 and 8 runs on a moto server, 30 times each).
Reserve concurrency 1 on the scheduled function as well, so overlaps are rare to begin with.

The state parameter still guards the *lost update*, where the second write drops the first
run's entries: :meth:`AlertState.save` checks the version ``PutParameter`` returns; if it is not
the loaded version + 1, another run wrote in between, so the versions in between are read back
(``GetParameter`` with the ``name:version`` selector), their ``sent`` entries of the same month
merged in, and the union written again. Parameter labels (``LabelParameterVersion``) were
rejected: they give no compare-and-set, and a labelled oldest version makes SSM refuse new
versions once 100 exist (``ParameterMaxVersionLimitExceeded``).

**The topic by name.** :class:`AlertConfig` holds the topic *name*; the ARN is built from the
account, region and partition (:func:`topic_arn`): in Lambda they come from the function's own
ARN (no call at all), elsewhere from STS ``GetCallerIdentity`` (:func:`resolve_topic_arn`),
which needs no IAM permission. ``sns.create_topic`` was not used at check time: it would need
``sns:CreateTopic`` on the function's role, and a misspelt name would silently create a new
topic nobody subscribed to, so alerts would vanish; with a built ARN a misspelt name fails
loudly (``NotFound``). :func:`~.budgets.ensure_alert_topic` creates the topic at setup time.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeAlias

import pandas as pd

from .. import _aws
from .exceptions import (
    AlertError,
    MonitoringConfigError,
    MonitoringError,
    aws_call,
)

__all__ = [
    "ALERT_KINDS",
    "DEFAULT_RULES",
    "DEFAULT_STATE_PARAMETER",
    "AlertConfig",
    "AlertRule",
    "AlertState",
    "SentAlert",
    "billing_period",
    "crossed_rules",
    "format_alert",
    "send_alerts",
]

AlertKind = Literal["ACTUAL", "FORECASTED"]
ALERT_KINDS: tuple[str, ...] = ("ACTUAL", "FORECASTED")
# A sanity bound of ours: a rule at 10x the budget means the budget itself is wrong.
MAX_THRESHOLD_PERCENT = 1000.0
# SNS Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and
# less than 100 characters long."
SUBJECT_MAX_CHARS = 99
# SNS CreateTopic: 1 to 256 ASCII letters, digits, hyphens and underscores.
TOPIC_NAME_MAX_CHARS = 256
_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]+")
# SSM parameter names: a-zA-Z0-9_.- and "/" for hierarchies, at most 15 levels, at most 1011
# characters (that count includes the ARN prefix; 1011 is the bound we can check here).
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_.\-/]+")
_PARAMETER_NAME_MAX_CHARS = 1011
_PARAMETER_MAX_LEVELS = 15
# A standard-tier parameter value holds at most 4 KB.
STATE_MAX_BYTES = 4096
DEFAULT_STATE_PARAMETER = "/run-ml-for-pennies/cost-alerts/state"
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_PARTITIONS = _aws.PARTITIONS
_REGION = _aws.REGION
_ACCOUNT_ID = _aws.ACCOUNT_ID
# A claim older than this whose run never recorded "sent" is taken over (the run died).
CLAIM_LEASE = timedelta(minutes=15)
# Lost-update merges in AlertState.save before giving up (each is one more PutParameter).
_SAVE_ATTEMPTS = 5
_NOT_FOUND_CODES = _aws.NOT_FOUND_CODES


# ---------------------------------------------------------------------------- calling AWS


def _error_code(exc: BaseException) -> str:
    """The AWS error code behind a MonitoringError raised ``from`` a ClientError."""
    return _aws.error_code(exc.__cause__) if exc.__cause__ is not None else ""


# ---------------------------------------------------------------------------- configuration


def _percent(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MonitoringConfigError(f"{name} must be a finite number of percent, got {value!r}")
    if not 0 < value <= MAX_THRESHOLD_PERCENT:
        raise MonitoringConfigError(
            f"{name} must be above 0 and at most {MAX_THRESHOLD_PERCENT:g} (percent of the "
            f"budget), got {value!r}"
        )
    return float(value)


@dataclass(frozen=True, order=True)
class AlertRule:
    """Alert when the ``kind`` of cost passes ``threshold_percent`` % of the monthly budget.

    ``"ACTUAL"`` compares the month-to-date cost, ``"FORECASTED"`` the projected month-end cost
    (:mod:`.projection`), as AWS Budgets' notification types of the same names do. A rule is
    crossed when the cost is strictly **greater than** the threshold (Budgets'
    ``GREATER_THAN``), so an account that spent nothing never alerts.
    """

    kind: AlertKind
    threshold_percent: float

    def __post_init__(self) -> None:
        if self.kind not in ALERT_KINDS:
            raise MonitoringConfigError(
                f"AlertRule.kind must be 'ACTUAL' or 'FORECASTED', got {self.kind!r}"
            )
        object.__setattr__(
            self, "threshold_percent", _percent(self.threshold_percent, "threshold_percent")
        )

    @property
    def key(self) -> str:
        """The rule's name in the alert state: ``"ACTUAL:80"``, ``"FORECASTED:100"``."""
        return f"{self.kind}:{self.threshold_percent:g}"

    def threshold_usd(self, budget_usd: float) -> float:
        """The cost in USD above which the rule is crossed."""
        return budget_usd * self.threshold_percent / 100.0

    def describe(self) -> str:
        """The rule in words, for messages."""
        what = "actual cost so far" if self.kind == "ACTUAL" else "projected month-end cost"
        return f"{what} above {self.threshold_percent:g}% of the monthly budget"


DEFAULT_RULES: tuple[AlertRule, ...] = (
    AlertRule("ACTUAL", 50.0),
    AlertRule("ACTUAL", 80.0),
    AlertRule("ACTUAL", 100.0),
    AlertRule("FORECASTED", 100.0),
)


def check_topic_name(name: object, field_name: str = "topic_name") -> str:
    """``name`` if it is a valid name for a standard SNS topic, else MonitoringConfigError.

    FIFO topics (``*.fifo``) are refused: they deliver to SQS only (no e-mail), and publishing
    to one needs a ``MessageGroupId`` the check does not send.
    """
    if not isinstance(name, str):
        raise MonitoringConfigError(f"{field_name} must be a string, got {name!r}")
    if name.endswith(".fifo"):
        raise MonitoringConfigError(
            f"{field_name} {name!r} names a FIFO topic; cost alerts need a standard topic "
            "(FIFO topics cannot deliver e-mail)"
        )
    if not 1 <= len(name) <= TOPIC_NAME_MAX_CHARS or not _TOPIC_NAME.fullmatch(name):
        raise MonitoringConfigError(
            f"{field_name} must be 1 to {TOPIC_NAME_MAX_CHARS} ASCII letters, digits, hyphens "
            f"and underscores (SNS's rule for topic names), got {name!r}"
        )
    return name


def check_state_parameter_name(name: object, field_name: str = "state_parameter") -> str:
    """``name`` if SSM Parameter Store accepts it as a parameter name, else
    MonitoringConfigError (the rules of ``PutParameter``'s ``Name``)."""
    if not isinstance(name, str) or not name:
        raise MonitoringConfigError(f"{field_name} must be a non-empty string, got {name!r}")
    problem = ""
    if len(name) > _PARAMETER_NAME_MAX_CHARS:
        problem = f"at most {_PARAMETER_NAME_MAX_CHARS} characters"
    elif not _PARAMETER_NAME.fullmatch(name):
        problem = "only the characters a-z A-Z 0-9 _ . - and / (no spaces)"
    elif "/" in name and not name.startswith("/"):
        problem = "a leading '/' when it has a hierarchy"
    elif name.endswith("/") or "//" in name:
        problem = "no empty level ('//' or a trailing '/')"
    elif name.lstrip("/").lower().startswith(("aws", "ssm")):
        problem = "a first level that does not start with 'aws' or 'ssm' (reserved)"
    elif name.count("/") > _PARAMETER_MAX_LEVELS:
        problem = f"at most {_PARAMETER_MAX_LEVELS} levels"
    if problem:
        raise MonitoringConfigError(
            f"{field_name} must be an SSM parameter name with {problem}, got {name!r}"
        )
    return name


@dataclass(frozen=True)
class AlertConfig:
    """What the cost check alerts on, and where it sends and records the alerts.

    ``budget_usd``: the monthly budget in USD (above 0). ``topic_name``: the SNS topic to
    publish to (a name; the ARN is derived, see the module's docstring). ``rules``: the alert
    rules, each sent at most once per month (unique, at least one). ``state_parameter``: the
    SSM parameter that records what was sent. ``top_services``: how many of the month's most
    expensive services an alert names (1 to 20).
    """

    budget_usd: float
    topic_name: str
    rules: tuple[AlertRule, ...] = DEFAULT_RULES
    state_parameter: str = DEFAULT_STATE_PARAMETER
    top_services: int = 3

    def __post_init__(self) -> None:
        budget = self.budget_usd
        if isinstance(budget, bool) or not isinstance(budget, int | float):
            raise MonitoringConfigError(f"budget_usd must be a number of USD, got {budget!r}")
        if not (math.isfinite(budget) and budget > 0):
            raise MonitoringConfigError(
                f"budget_usd must be a finite amount of USD above 0, got {budget!r}"
            )
        object.__setattr__(self, "budget_usd", float(budget))
        check_topic_name(self.topic_name)
        rules = tuple(self.rules) if isinstance(self.rules, list | tuple) else None
        if not rules or not all(isinstance(rule, AlertRule) for rule in rules):
            raise MonitoringConfigError(
                f"rules must be a non-empty tuple of AlertRule, got {self.rules!r}"
            )
        keys = [rule.key for rule in rules]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise MonitoringConfigError(f"rules must be unique; repeated: {', '.join(duplicates)}")
        object.__setattr__(self, "rules", rules)
        check_state_parameter_name(self.state_parameter)
        top = self.top_services
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 20:
            raise MonitoringConfigError(f"top_services must be a whole number 1 to 20, got {top!r}")


def billing_period(today: date) -> str:
    """The billing month of the UTC day ``today``, as the state records it: ``"2026-11"``."""
    if not isinstance(today, date) or isinstance(today, datetime):
        raise MonitoringConfigError(f"today must be a datetime.date, got {today!r}")
    return f"{today.year:04d}-{today.month:02d}"


def _check_period(period: object) -> str:
    if not isinstance(period, str) or not _PERIOD.fullmatch(period):
        raise MonitoringConfigError(
            f"period must be a billing month like '2026-11', got {period!r}"
        )
    return period


def _usd_amount(value: object, name: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MonitoringConfigError(f"{name} must be a finite number of USD, got {value!r}")
    return float(value)


def crossed_rules(
    config: AlertConfig, actual_usd: float, forecast_usd: float | None
) -> list[AlertRule]:
    """The rules of ``config`` that the numbers cross, in ``config.rules`` order.

    ``actual_usd`` is the month-to-date cost, ``forecast_usd`` the projected month-end cost
    (``None``: no projection, so no ``FORECASTED`` rule is crossed). A rule is crossed when the
    cost is greater than its threshold. Pure: no AWS call.
    """
    actual = _usd_amount(actual_usd, "actual_usd")
    forecast = _usd_amount(forecast_usd, "forecast_usd", optional=True)
    crossed = []
    for rule in config.rules:
        cost = actual if rule.kind == "ACTUAL" else forecast
        if cost is not None and cost > rule.threshold_usd(config.budget_usd):
            crossed.append(rule)
    return crossed


# ---------------------------------------------------------------------------- topic ARN


def topic_arn(topic_name: str, *, region: str, account_id: str, partition: str = "aws") -> str:
    """The ARN of the SNS topic ``topic_name`` in ``region`` of ``account_id``."""
    check_topic_name(topic_name)
    check_location(region, account_id, partition)
    return f"arn:{partition}:sns:{region}:{account_id}:{topic_name}"


def check_location(region: str, account_id: str, partition: str = "aws") -> None:
    """Reject a region, account id or partition that cannot be part of an ARN."""
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise MonitoringConfigError(f"region must look like 'us-east-1', got {region!r}")
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise MonitoringConfigError(f"account_id must be 12 digits, got {account_id!r}")
    if partition not in _PARTITIONS:
        raise MonitoringConfigError(
            f"partition must be one of {', '.join(_PARTITIONS)}, got {partition!r}"
        )


def resolve_topic_arn(sts: Any, *, region: str, topic_name: str) -> str:
    """The topic's ARN, with the account and partition from STS ``GetCallerIdentity`` (an
    operation no IAM policy can deny, so the check's role needs no permission for it)."""
    identity = aws_call("sts:GetCallerIdentity", AlertError, sts.get_caller_identity)
    partition = str(identity["Arn"]).split(":")[1]
    return topic_arn(
        topic_name, region=region, account_id=str(identity["Account"]), partition=partition
    )


# ---------------------------------------------------------------------------- state


def _decode_state(value: str, where: str) -> tuple[str, frozenset[str]]:
    try:
        document = json.loads(value)
        period = document["period"]
        sent = document["sent"]
        if not isinstance(period, str) or not isinstance(sent, list):
            raise TypeError("period must be a string and sent a list")
        if not all(isinstance(key, str) for key in sent):
            raise TypeError("sent must hold strings")
        if not _PERIOD.fullmatch(period):
            raise ValueError(f"period {period!r} is not a billing month like '2026-11'")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AlertError(
            f"{where} does not hold an alert state ({exc}); expected JSON like "
            '{"period": "2026-11", "sent": ["ACTUAL:50"]}. Fix it, or delete the parameter '
            "(every rule crossed this month is then sent again)"
        ) from None
    return period, frozenset(sent)


@dataclass(frozen=True)
class AlertState:
    """Which rules (:attr:`AlertRule.key`) were sent in the billing month ``period``.

    ``version`` is the SSM parameter version it was read from or written as (0: the parameter
    did not exist); :meth:`save` uses it to notice a concurrent writer.
    """

    period: str
    sent: frozenset[str] = field(default_factory=frozenset)
    version: int = 0

    def __post_init__(self) -> None:
        _check_period(self.period)
        object.__setattr__(self, "sent", frozenset(self.sent))

    @classmethod
    def load(cls, ssm: Any, name: str, period: str) -> AlertState:
        """The state of ``period`` from the SSM parameter ``name``: empty when the parameter
        does not exist or records an earlier month (a new month starts afresh). A parameter
        that records a *later* month is an AlertError: a run for a past month must not
        overwrite it."""
        check_state_parameter_name(name, "name")
        _check_period(period)
        try:
            answer = aws_call("ssm:GetParameter", AlertError, ssm.get_parameter, Name=name)
        except AlertError as exc:
            if _error_code(exc) == "ParameterNotFound":
                return cls(period)
            raise
        parameter = answer["Parameter"]
        version = int(parameter.get("Version", 0))
        stored_period, sent = _decode_state(str(parameter["Value"]), f"SSM parameter {name}")
        if stored_period > period:
            raise AlertError(
                f"SSM parameter {name} records alerts of {stored_period}, later than the "
                f"billing month {period} being checked; saving would overwrite them (and "
                f"re-send {stored_period}'s alerts). Check the clock, or use another parameter "
                "for back-filled runs"
            )
        if stored_period != period:
            return cls(period, frozenset(), version)
        return cls(period, sent, version)

    def with_sent(self, *keys: str) -> AlertState:
        """A copy with ``keys`` recorded as sent."""
        return replace(self, sent=self.sent | frozenset(keys))

    def to_json(self) -> str:
        """The parameter's value: compact JSON, keys sorted, so equal states are equal bytes."""
        return json.dumps({"period": self.period, "sent": sorted(self.sent)}, separators=(",", ":"))

    def save(self, ssm: Any, name: str) -> AlertState:
        """Write the state to the SSM parameter ``name``; returns it with its new version.

        When the version SSM assigns is not ``version + 1``, another run wrote in between: the
        versions in between are read back, their ``sent`` entries for the same month merged in,
        and the union written again (see the module's docstring). Raises AlertError (or
        PermissionDeniedError naming ``ssm:PutParameter``) when the write fails.
        """
        check_state_parameter_name(name, "name")
        state = self
        for _ in range(_SAVE_ATTEMPTS):
            value = state.to_json()
            if len(value.encode()) > STATE_MAX_BYTES:
                raise AlertError(
                    f"the alert state is {len(value.encode())} bytes, more than the "
                    f"{STATE_MAX_BYTES} bytes a standard SSM parameter holds; use fewer rules"
                )
            answer = aws_call(
                "ssm:PutParameter",
                AlertError,
                ssm.put_parameter,
                Name=name,
                Value=value,
                Type="String",
                Overwrite=True,
                Description="Cost alerts sent this billing month (run-ml-for-pennies)",
            )
            version = int(answer["Version"])
            if version == state.version + 1:
                return replace(state, version=version)
            others = state._sent_by_others(ssm, name, range(state.version + 1, version))
            if others <= state.sent:
                return replace(state, version=version)
            state = replace(state, sent=state.sent | others, version=version)
        raise AlertError(
            f"SSM parameter {name} kept changing under us for {_SAVE_ATTEMPTS} writes; is "
            "another process rewriting it in a loop?"
        )

    def _sent_by_others(self, ssm: Any, name: str, versions: Iterable[int]) -> frozenset[str]:
        merged: set[str] = set()
        for version in versions:
            try:
                answer = aws_call(
                    "ssm:GetParameter", AlertError, ssm.get_parameter, Name=f"{name}:{version}"
                )
            except AlertError as exc:
                if _error_code(exc) in {"ParameterVersionNotFound", "ParameterNotFound"}:
                    continue  # deleted meanwhile, or beyond the 100 versions SSM keeps
                raise
            where = f"SSM parameter {name} version {version}"
            period, sent = _decode_state(str(answer["Parameter"]["Value"]), where)
            if period == self.period:
                merged |= sent
        return frozenset(merged)


# ---------------------------------------------------------------------------- messages


def top_services(by_service: pd.DataFrame, top: int) -> pd.DataFrame:
    """The ``top`` most expensive services of ``by_service`` (columns ``service`` and
    ``cost_usd``, any number of rows per service, as from
    :func:`~.cost_explorer.cost_by_service`): columns ``service`` and ``cost_usd``, one row
    per service, most expensive first, services that cost nothing left out."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise MonitoringConfigError(f"top must be a whole number, at least 1, got {top!r}")
    missing = {"service", "cost_usd"} - set(getattr(by_service, "columns", ()))
    if missing:
        raise MonitoringConfigError(
            f"by_service must be a DataFrame with columns service and cost_usd; missing "
            f"{', '.join(sorted(missing))}"
        )
    totals = (
        by_service.assign(service=by_service["service"].astype(str))
        .groupby("service", as_index=False)["cost_usd"]
        .sum()
    )
    totals = totals[totals["cost_usd"] > 0]
    totals = totals.sort_values(["cost_usd", "service"], ascending=[False, True], kind="stable")
    return totals.head(top).reset_index(drop=True)


def _usd(amount: float) -> str:
    return f"USD {amount:,.2f}"


def _share(amount: float, budget_usd: float) -> str:
    return f"{amount / budget_usd * 100:.1f}% of the budget"


def _subject(text: str) -> str:
    text = " ".join(text.split())  # no line breaks or control whitespace
    if len(text) <= SUBJECT_MAX_CHARS:
        return text
    return text[: SUBJECT_MAX_CHARS - 3].rstrip() + "..."


def format_alert(
    rule: AlertRule,
    actual_usd: float,
    forecast_usd: float | None,
    budget_usd: float,
    top_services: pd.DataFrame,
    period: str,
) -> tuple[str, str]:
    """The ``(subject, message)`` of the alert for ``rule`` in the billing month ``period``.

    The subject fits SNS's rule (one line, fewer than 100 characters); the message states the
    rule, the budget, the month-to-date and projected costs with their share of the budget,
    and names the services in ``top_services`` (columns ``service`` and ``cost_usd``, in the
    order given) with their cost this month.
    """
    if not isinstance(rule, AlertRule):
        raise MonitoringConfigError(f"rule must be an AlertRule, got {rule!r}")
    actual = _usd_amount(actual_usd, "actual_usd")
    forecast = _usd_amount(forecast_usd, "forecast_usd", optional=True)
    budget = _usd_amount(budget_usd, "budget_usd")
    assert actual is not None and budget is not None  # not optional: checked above
    if not budget > 0:
        raise MonitoringConfigError(f"budget_usd must be above 0, got {budget_usd!r}")
    _check_period(period)
    missing = {"service", "cost_usd"} - set(getattr(top_services, "columns", ()))
    if missing:
        raise MonitoringConfigError(
            f"top_services must be a DataFrame with columns service and cost_usd; missing "
            f"{', '.join(sorted(missing))}"
        )
    month = date.fromisoformat(period + "-01").strftime("%B %Y")
    percent = f"{rule.threshold_percent:g}%"
    if rule.kind == "ACTUAL":
        headline = f"spent {_usd(actual)}, over {percent} of the {_usd(budget)} budget"
    else:
        shown = forecast if forecast is not None else actual
        headline = f"month end projected at {_usd(shown)}, over {percent} of {_usd(budget)}"
    subject = _subject(f"AWS cost alert {period}: {headline}")
    projected = (
        f"{_usd(forecast)} ({_share(forecast, budget)})"
        if forecast is not None
        else "not available"
    )
    lines = [
        f"AWS cost alert for {month}: the {rule.describe()} ({_usd(rule.threshold_usd(budget))}).",
        "",
        f"Monthly budget:           {_usd(budget)}",
        f"Spent so far this month:  {_usd(actual)} ({_share(actual, budget)})",
        f"Projected for the month:  {projected}",
        "",
    ]
    if len(top_services):
        lines.append("Most expensive services this month:")
        for number, (service, cost) in enumerate(
            zip(top_services["service"], top_services["cost_usd"], strict=True), start=1
        ):
            lines.append(f"  {number}. {service}: {_usd(float(cost))}")
    else:
        lines.append("No service has reported a cost this month yet.")
    lines += [
        "",
        "Find where the money goes: AWS Billing console, Cost Explorer, grouped by Service.",
        f"This alert is sent once per rule per month; the next one for {rule.key} comes in "
        "the next billing month.",
    ]
    return subject, "\n".join(lines)


# ---------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class SentAlert:
    """An alert that was published and recorded: its rule, billing month, text and the SNS
    ``MessageId``."""

    rule: AlertRule
    period: str
    subject: str
    message: str
    message_id: str
    topic_arn: str


TopServices: TypeAlias = "pd.DataFrame | Callable[[], pd.DataFrame]"


def claim_parameter(state_parameter: str, period: str, key: str) -> str:
    """The SSM parameter that claims rule ``key`` for ``period``: beside the state parameter,
    e.g. ``/run-ml-for-pennies/cost-alerts/state-claims/2026-11/ACTUAL-80``."""
    base = state_parameter if state_parameter.startswith("/") else f"/{state_parameter}"
    return f"{base}-claims/{period}/{key.replace(':', '-')}"


def _read_claim(ssm: Any, name: str) -> dict[str, str] | None:
    try:
        answer = aws_call("ssm:GetParameter", AlertError, ssm.get_parameter, Name=name)
    except AlertError as exc:
        if _error_code(exc) == "ParameterNotFound":
            return None
        raise
    try:
        claim = json.loads(str(answer["Parameter"]["Value"]))
        datetime.fromisoformat(claim["at"])
        if claim["status"] not in ("claimed", "sent"):
            raise ValueError(f"unknown status {claim['status']!r}")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AlertError(
            f"SSM parameter {name} does not hold an alert claim ({exc}); delete it and the "
            "next run sends that alert"
        ) from None
    return {"status": str(claim["status"]), "at": str(claim["at"]), "run": str(claim.get("run"))}


def _write_claim(
    ssm: Any, name: str, run: str, status: str, now: datetime, *, overwrite: bool
) -> None:
    value = json.dumps({"run": run, "status": status, "at": now.isoformat()}, separators=(",", ":"))
    aws_call("ssm:PutParameter", AlertError, ssm.put_parameter, Name=name, Value=value,
             Type="String", Overwrite=overwrite)  # fmt: skip


def claim_alert(ssm: Any, name: str, run: str, now: datetime) -> bool:
    """Claim the alert of parameter ``name`` for this run, before publishing it: ``True`` when
    this run must publish it, ``False`` when another run has sent it or is sending it now.

    The claim is a conditional write: ``PutParameter`` without ``Overwrite`` succeeds for one
    run only. A claim still ``claimed`` after :data:`CLAIM_LEASE` belongs to a run that died
    between claiming and recording; this run takes it over (if that run had published, the
    alert goes out twice: the one remaining window, at most one duplicate per crash).
    """
    for _ in range(2):  # the claim may be released between our write and our read
        try:
            _write_claim(ssm, name, run, "claimed", now, overwrite=False)
            return True
        except AlertError as exc:
            if _error_code(exc) != "ParameterAlreadyExists":
                raise
        existing = _read_claim(ssm, name)
        if existing is None:
            continue
        if (
            existing["status"] == "sent"
            or now - datetime.fromisoformat(existing["at"]) < CLAIM_LEASE
        ):
            return False
        _write_claim(ssm, name, run, "claimed", now, overwrite=True)
        return True
    return False


def release_claim(ssm: Any, name: str) -> None:
    """Withdraw a claim whose publish failed, so the next run sends the alert (nothing lost)."""
    try:
        aws_call("ssm:DeleteParameter", AlertError, ssm.delete_parameter, Name=name)
    except AlertError as exc:
        if _error_code(exc) != "ParameterNotFound":
            raise


def send_alerts(
    sns: Any,
    ssm: Any,
    config: AlertConfig,
    *,
    today: date,
    actual_usd: float,
    forecast_usd: float | None,
    top_services: TopServices,
    topic_arn: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[SentAlert]:
    """Publish every rule that the numbers cross and that was not sent yet this month.

    ``actual_usd`` is the month-to-date cost, ``forecast_usd`` the projected month-end cost
    (or None). ``top_services`` is the frame :func:`format_alert` lists, or a function that
    returns it, called only when there is something to send (so its Cost Explorer request, a
    paid one, is made only then). ``topic_arn`` is the topic's ARN (:func:`topic_arn`,
    :func:`resolve_topic_arn`).

    No rule crossed: no AWS call at all. Otherwise the state is loaded from
    ``config.state_parameter``, and each new rule is published, then recorded (one write per
    alert). Returns the alerts sent, in ``config.rules`` order. Raises on the first failure
    (:class:`~.exceptions.PermissionDeniedError` naming ``sns:Publish`` or
    ``ssm:PutParameter``, or :class:`~.exceptions.AlertError`); what was published before it
    stays recorded, the failed rule is not, so the next run sends it again.
    """
    period = billing_period(today)
    crossed = crossed_rules(config, actual_usd, forecast_usd)
    if not crossed:
        return []
    state = AlertState.load(ssm, config.state_parameter, period)
    if all(rule.key in state.sent for rule in crossed):
        return []
    services = top_services() if callable(top_services) else top_services
    sent: list[SentAlert] = []
    run = uuid.uuid4().hex
    for rule in crossed:
        if rule.key in state.sent:  # sent earlier, or by a concurrent run merged in by save
            continue
        claim = claim_parameter(config.state_parameter, period, rule.key)
        if not claim_alert(ssm, claim, run, clock()):
            continue  # another run sent it, or is sending it now
        subject, message = format_alert(
            rule, actual_usd, forecast_usd, config.budget_usd, services, period
        )
        try:
            answer = aws_call(
                "sns:Publish",
                AlertError,
                sns.publish,
                TopicArn=topic_arn,
                Subject=subject,
                Message=message,
            )
        except Exception as exc:  # any failure: withdraw the claim, so the next run sends it
            release_claim(ssm, claim)
            if isinstance(exc, AlertError) and _error_code(exc) in _NOT_FOUND_CODES:
                raise AlertError(
                    f"sns:Publish failed: the topic {topic_arn} does not exist; create it "
                    f"(budgets.ensure_alert_topic) or fix the topic name "
                    f"{config.topic_name!r}. Nothing was recorded; the next run tries again"
                ) from exc
            raise
        try:
            _write_claim(ssm, claim, run, "sent", clock(), overwrite=True)
            state = state.with_sent(rule.key).save(ssm, config.state_parameter)
        except MonitoringError as exc:
            exc.add_note(
                f"The alert {rule.key} for {period} WAS published (MessageId "
                f"{answer.get('MessageId')}) but not recorded: the next run sends it again."
            )
            raise
        sent.append(
            SentAlert(
                rule=rule,
                period=period,
                subject=subject,
                message=message,
                message_id=str(answer.get("MessageId", "")),
                topic_arn=topic_arn,
            )
        )
    return sent
