"""Operations as code in template.yaml: log retention, alarms, the alarm topic, the dashboard, API edge settings.

The linter checks that the template is well-formed; these check that nothing an on-call engineer relies on is
missing when a function is added or a resource renamed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shop_shared.api import CORS_REQUEST_HEADERS
from shopctl.template import resources, template

FUNCTIONS = sorted(resources("AWS::Serverless::Function"))
LOG_GROUPS = resources("AWS::Logs::LogGroup")
ALARMS = resources("AWS::CloudWatch::Alarm")
NAMESPACE = template()["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


def alarms_on(namespace: str, metric: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, alarm["Properties"])
        for name, alarm in ALARMS.items()
        if alarm["Properties"]["Namespace"] == namespace and alarm["Properties"]["MetricName"] == metric
    ]


def dimensions(props: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}


def notifies_topic(props: dict[str, Any]) -> bool:
    return {"Ref": "AlarmTopic"} in props.get("AlarmActions", [])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_a_log_group_with_retention(function: str) -> None:
    groups = [
        props
        for props in (g["Properties"] for g in LOG_GROUPS.values())
        if props.get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
    ]
    assert len(groups) == 1, f"{function}: needs exactly one log group named /aws/lambda/${{{function}}}"
    assert groups[0]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_errors_and_throttles_alarms(function: str, metric: str) -> None:
    on_function = {"FunctionName": {"Ref": function}}
    found = [props for _, props in alarms_on("AWS/Lambda", metric) if dimensions(props) == on_function]
    assert len(found) == 1, f"{function}: needs one {metric} alarm"
    (props,) = found
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["Threshold"] == 0
    assert props["Statistic"] == "Sum"
    assert notifies_topic(props)


def test_no_alarm_uses_metric_math() -> None:
    # MiniStack (the local stack) cannot create metric-math alarms, so `make run` would fail to deploy.
    assert all("Metrics" not in alarm["Properties"] for alarm in ALARMS.values())


def test_api_5xx_rate_alarm() -> None:
    ((_, props),) = alarms_on("AWS/ApiGateway", "5XXError")
    # 5XXError is 0 or 1 per request: its Average is the rate.
    assert props["Statistic"] == "Average"
    assert 0 < props["Threshold"] < 1
    assert dimensions(props) == {"ApiName": {"Ref": "AWS::StackName"}, "Stage": {"Ref": "StageName"}}
    assert notifies_topic(props)


def test_moderation_dlq_depth_alarm_fires_on_the_first_message() -> None:
    ((_, props),) = alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert dimensions(props) == {"QueueName": {"Fn::GetAtt": "ReviewModerationDLQ.QueueName"}}
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
    assert notifies_topic(props)


def test_moderation_stream_iterator_age_alarm() -> None:
    ((_, props),) = alarms_on("AWS/Lambda", "IteratorAge")
    assert dimensions(props) == {"FunctionName": {"Ref": "ReviewModerationFunction"}}
    assert props["Statistic"] == "Maximum"
    assert notifies_topic(props)


def test_moderation_failed_record_metric_alarm() -> None:
    ((_, props),) = alarms_on(NAMESPACE, "ModerationRecordFailed")
    moderation = resources("AWS::Serverless::Function")["ReviewModerationFunction"]["Properties"]
    service = moderation["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    # Powertools Metrics dimensions every metric by service; an alarm without it would watch an empty series.
    assert dimensions(props) == {"service": service}
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
    assert notifies_topic(props)


def test_alarm_topic_has_an_optional_email_subscription() -> None:
    assert "AlarmTopic" in resources("AWS::SNS::Topic")
    (subscription,) = resources("AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template()["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template()["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}


def test_dashboard_shows_traffic_latency_and_business_metrics() -> None:
    (dashboard,) = resources("AWS::CloudWatch::Dashboard").values()
    body = json.loads(re.sub(r"\$\{[^}]+\}", "x", dashboard["Properties"]["DashboardBody"]["Fn::Sub"]))
    metrics = [m for widget in body["widgets"] for m in widget["properties"]["metrics"]]
    names = {(m[0], m[1]) for m in metrics}
    assert {("AWS/ApiGateway", "Count"), ("AWS/ApiGateway", "Latency")} <= names
    latency_stats = {m[-1]["stat"] for m in metrics if m[1] == "Latency"}
    assert latency_stats == {"p50", "p99"}
    for metric in ("Sale", "LoginFailed", "LoginLockedOut", "ReviewAuto_approved", "ReviewAuto_flagged"):
        assert (NAMESPACE, metric) in names, metric


def test_api_access_logging_and_throttling_are_parameters() -> None:
    props = resources("AWS::Serverless::Api")["ShopApi"]["Properties"]
    (setting,) = props["MethodSettings"]
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    condition, enabled, disabled = props["AccessLogSetting"]["Fn::If"]
    assert condition == "ApiAccessLoggingEnabled"
    assert enabled["DestinationArn"] == {"Fn::GetAtt": "ApiAccessLogGroup.Arn"}
    assert json.loads(enabled["Format"])["requestId"] == "$context.requestId"
    assert disabled == {"Ref": "AWS::NoValue"}
    assert LOG_GROUPS["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_cors_origin_defaults_to_none_and_reaches_preflights_and_functions() -> None:
    assert template()["Parameters"]["CorsAllowedOrigin"]["Default"] == ""
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CORS_ALLOWED_ORIGIN"] == {"Ref": "CorsAllowedOrigin"}
    cors = template()["Resources"]["ShopApi"]["Properties"]["Cors"]
    assert cors["AllowOrigin"] == {"Fn::Sub": "'${CorsAllowedOrigin}'"}
    assert cors["AllowHeaders"] == "'" + ",".join(CORS_REQUEST_HEADERS) + "'"
