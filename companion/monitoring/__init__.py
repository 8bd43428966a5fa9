"""Cost monitoring on AWS: Cost Explorer queries, projections, anomalies, alerts and budgets.

- :mod:`.periods` — date windows that are valid on every day of the month (the 1st included);
- :mod:`.cost_explorer` — month-to-date, daily and by-service costs (every page), the forecast;
- :mod:`.projection` and :mod:`.anomaly` — month-end projection, robust anomaly detection;
- :mod:`.alerts` — threshold alerts to an SNS topic named by configuration, sent once per
  threshold per month (state in an SSM parameter);
- :mod:`.budgets` — an AWS Budget with ACTUAL and FORECASTED notifications, a daily schedule;
- :mod:`.iam` — the least-privilege policy of the scheduled check;
- :mod:`.check` — the scheduled check itself (a Lambda handler);
- :mod:`.seed` — a realistic month of Cost Explorer results for moto;
- :mod:`.sandbox` — the mocked account lesson 06 runs against: moto started, the seeded month,
  the answers moto lacks (``GetCostForecast``, Budgets' subscribers), an inbox for alerts.

Every public name of these modules is re-exported here. :mod:`.sandbox` is also public as a
namespace (``from companion.monitoring import sandbox``), so that lesson 06 can write
``sandbox.start_mocked_aws(...)`` and keep what belongs to the mock visibly apart from the code
that would run against a real account.
"""

from __future__ import annotations

from . import sandbox
from .alerts import (
    ALERT_KINDS,
    DEFAULT_RULES,
    DEFAULT_STATE_PARAMETER,
    AlertConfig,
    AlertRule,
    AlertState,
    SentAlert,
    billing_period,
    crossed_rules,
    format_alert,
    send_alerts,
)
from .anomaly import (
    ANOMALY_COLUMNS,
    DEFAULT_MIN_INCREASE_USD,
    DEFAULT_THRESHOLD,
    MAD_TO_SIGMA,
    MEAN_AD_TO_SIGMA,
    MOVER_COLUMNS,
    detect_anomalies,
    robust_z,
    top_movers,
)
from .budgets import (
    BudgetResult,
    daily_schedule_expression,
    ensure_alert_topic,
    ensure_budget,
    ensure_budgets_can_publish,
    ensure_daily_schedule,
    ensure_single_check_at_a_time,
    schedule_invoke_permission,
)
from .check import (
    ENVIRONMENT_VARIABLES,
    CheckReport,
    config_from_environment,
    handler,
    run_check,
)
from .cost_explorer import (
    COST_METRICS,
    DAILY_COLUMNS,
    GRANULARITIES,
    SERVICE_COLUMNS,
    CostTotal,
    Forecast,
    MonitoringClients,
    cost_by_service,
    daily_costs,
    forecast_month_end,
    make_clients,
    monitoring_client_config,
    month_to_date_cost,
)
from .exceptions import (
    AlertError,
    BudgetError,
    CostQueryError,
    MonitoringConfigError,
    MonitoringError,
    PermissionDeniedError,
)
from .iam import check_function_policy
from .periods import (
    Period,
    complete_days_to_date,
    days_in_month,
    first_of_month,
    first_of_next_month,
    forecast_period,
    last_n_days,
    month_bounds,
    month_to_date,
    remaining_days,
    utc_today,
)
from .projection import (
    PROJECTION_METHODS,
    Projection,
    project_month_end,
    run_rate_projection,
)
from .sandbox import (
    LESSON_SERVICES_USD,
    LESSON_TODAY,
    AlertInbox,
    SeededMonth,
    answer_budget_subscribers,
    answer_cost_forecasts,
    count_requests,
    describe_check,
    describe_period,
    lesson_month,
    start_mocked_aws,
)
from .seed import (
    DEFAULT_ACCOUNT_ID,
    EXAMPLE_SERVICES,
    as_one_period,
    inject_cost_results,
    month_of_costs,
)

__all__ = [
    "ALERT_KINDS",
    "ANOMALY_COLUMNS",
    "COST_METRICS",
    "DAILY_COLUMNS",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_MIN_INCREASE_USD",
    "DEFAULT_RULES",
    "DEFAULT_STATE_PARAMETER",
    "DEFAULT_THRESHOLD",
    "ENVIRONMENT_VARIABLES",
    "EXAMPLE_SERVICES",
    "GRANULARITIES",
    "LESSON_SERVICES_USD",
    "LESSON_TODAY",
    "MAD_TO_SIGMA",
    "MEAN_AD_TO_SIGMA",
    "MOVER_COLUMNS",
    "PROJECTION_METHODS",
    "SERVICE_COLUMNS",
    "AlertConfig",
    "AlertError",
    "AlertInbox",
    "AlertRule",
    "AlertState",
    "BudgetError",
    "BudgetResult",
    "CheckReport",
    "CostQueryError",
    "CostTotal",
    "Forecast",
    "MonitoringClients",
    "MonitoringConfigError",
    "MonitoringError",
    "Period",
    "PermissionDeniedError",
    "Projection",
    "SeededMonth",
    "SentAlert",
    "answer_budget_subscribers",
    "answer_cost_forecasts",
    "as_one_period",
    "billing_period",
    "check_function_policy",
    "complete_days_to_date",
    "config_from_environment",
    "cost_by_service",
    "count_requests",
    "crossed_rules",
    "daily_costs",
    "daily_schedule_expression",
    "days_in_month",
    "describe_check",
    "describe_period",
    "detect_anomalies",
    "ensure_alert_topic",
    "ensure_budget",
    "ensure_budgets_can_publish",
    "ensure_daily_schedule",
    "ensure_single_check_at_a_time",
    "first_of_month",
    "first_of_next_month",
    "forecast_month_end",
    "forecast_period",
    "format_alert",
    "handler",
    "inject_cost_results",
    "last_n_days",
    "lesson_month",
    "make_clients",
    "monitoring_client_config",
    "month_bounds",
    "month_of_costs",
    "month_to_date",
    "month_to_date_cost",
    "project_month_end",
    "remaining_days",
    "robust_z",
    "run_check",
    "run_rate_projection",
    "sandbox",
    "schedule_invoke_permission",
    "send_alerts",
    "start_mocked_aws",
    "top_movers",
    "utc_today",
]
