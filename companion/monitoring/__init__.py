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
"""

from __future__ import annotations

from .alerts import (
    AlertConfig,
    AlertRule,
    AlertState,
    SentAlert,
    crossed_rules,
    format_alert,
    send_alerts,
)
from .anomaly import detect_anomalies, top_movers
from .budgets import (
    BudgetResult,
    ensure_alert_topic,
    ensure_budget,
    ensure_budgets_can_publish,
    ensure_daily_schedule,
    ensure_single_check_at_a_time,
)
from .check import CheckReport, handler, run_check
from .cost_explorer import (
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
from .periods import Period, forecast_period, last_n_days, month_to_date
from .projection import Projection, project_month_end, run_rate_projection
from .sandbox import (
    AlertInbox,
    SeededMonth,
    answer_budget_subscribers,
    answer_cost_forecasts,
    count_requests,
    describe_check,
    describe_period,
    start_mocked_aws,
)
from .seed import as_one_period, inject_cost_results, month_of_costs

__all__ = [
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
    "check_function_policy",
    "cost_by_service",
    "count_requests",
    "crossed_rules",
    "daily_costs",
    "describe_check",
    "describe_period",
    "detect_anomalies",
    "ensure_alert_topic",
    "ensure_budget",
    "ensure_budgets_can_publish",
    "ensure_daily_schedule",
    "ensure_single_check_at_a_time",
    "forecast_month_end",
    "forecast_period",
    "format_alert",
    "handler",
    "inject_cost_results",
    "last_n_days",
    "make_clients",
    "monitoring_client_config",
    "month_of_costs",
    "month_to_date",
    "month_to_date_cost",
    "project_month_end",
    "run_check",
    "run_rate_projection",
    "send_alerts",
    "start_mocked_aws",
    "top_movers",
]
