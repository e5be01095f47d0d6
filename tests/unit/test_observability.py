"""What operators see of each request (one structured access line) and what tracing costs when it is off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from shop_shared import api
from shopctl.template import ROOT
from tests.apigw import rest_event
from tests.unit.conftest import SEED_PASSWORD, Invoke, LogLines, invoke_event


@pytest.fixture
def access_lines(log_lines: LogLines) -> LogLines:
    """The access lines among what the shared logger wrote (conftest's `log_lines`)."""

    def read() -> list[dict[str, Any]]:
        return [line for line in log_lines() if line.get("message") == "request"]

    return read


def test_each_request_logs_one_access_line_with_route_status_duration_and_correlation_id(
    seed: dict[str, str], access_lines: LogLines
) -> None:
    event = rest_event(
        "PUT",
        "/customers/{username}/charge",
        {"username": "ada"},
        token=seed["CUSTOMER_TOKEN"],
        body={"amount": 5},
        headers={"X-Correlation-Id": "ignored"},
    )
    event["requestContext"]["requestId"] = "req-1234"
    result = invoke_event("customers_api.charge_wallet", event)
    assert result.status == 200
    invoke_event("customers_api.get_customer", rest_event("GET", "/customers/{username}", {"username": "ghost"}))

    first, second = access_lines()
    assert first["http_method"] == "PUT"
    assert first["route"] == "/customers/{username}/charge"
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    assert first["correlation_id"] == "req-1234"
    assert first["level"] == "INFO"
    assert second["status"] == 401
    assert second["route"] == "/customers/{username}"


def test_the_access_line_duration_is_the_handler_time_in_milliseconds(
    seed: dict[str, str], access_lines: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The handler's clock reads 2.0 s on entry and 2.03125 s (exact in binary) when the response is ready.
    readings = iter([2.0, 2.03125])
    monkeypatch.setattr(api, "time", SimpleNamespace(perf_counter=lambda: next(readings)))

    invoke_event("customers_api.get_customer", rest_event("GET", "/customers/{username}", {"username": "ghost"}))

    (line,) = access_lines()
    assert line["duration_ms"] == 31.2  # 31.25 ms, to one decimal


def test_the_access_line_carries_no_body_header_token_or_password(
    call: Invoke, seed: dict[str, str], access_lines: LogLines
) -> None:
    call("customers_api.login", "POST", "/login", body={"username": "ada", "password": SEED_PASSWORD})
    call("customers_api.login", "POST", "/login", body={"username": "ada", "password": "wrong-guess1"})
    token = seed["CUSTOMER_TOKEN"]
    call("customers_api.get_customer", "GET", "/customers/{username}", {"username": "ada"}, token=token)

    lines = access_lines()
    assert [line["status"] for line in lines] == [200, 401, 200]
    everything = json.dumps(lines)
    for secret in (SEED_PASSWORD, "wrong-guess1", seed["CUSTOMER_TOKEN"], "access_token", "Bearer"):
        assert secret not in everything
    # Only the route template: the path would carry the username.
    assert all("ada" not in json.dumps({k: v for k, v in line.items() if k != "message"}) for line in lines)


def _loaded_after_import(module: str, tracing: str | None) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "SHOP_TRACING"}
    if tracing is not None:
        env["SHOP_TRACING"] = tracing
    paths = [str(ROOT / "layers" / "shared"), str(ROOT / "functions" / "sales")]
    code = (
        f"import sys; sys.path[:0] = {paths!r}; import {module}; "
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return set(run.stdout.strip().split(","))


def test_tracing_off_does_not_load_the_xray_sdk() -> None:
    # The X-Ray SDK builds a botocore client at import: about a second baseline of cold start, for nothing.
    assert "aws_xray_sdk" not in _loaded_after_import("sales_api.get_good", None)
    assert "aws_xray_sdk" not in _loaded_after_import("sales_api.get_good", "Disabled")


def test_tracing_active_traces_with_powertools() -> None:
    assert "aws_xray_sdk" in _loaded_after_import("sales_api.get_good", "Active")


def test_the_template_switches_function_tracing_and_the_tracer_together() -> None:
    from shopctl.template import template  # noqa: PLC0415

    loaded = template()
    function_globals = loaded["Globals"]["Function"]
    assert function_globals["Tracing"] == {"Ref": "Tracing"}
    assert function_globals["Environment"]["Variables"]["SHOP_TRACING"] == {"Ref": "Tracing"}
    assert loaded["Parameters"]["Tracing"]["Default"] == "Disabled"
