"""`make logs FN=LoginFunction` (sam logs) reads the deployed function's structured log lines from the local stack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from shopctl import localstack
from tests.e2e.conftest import Api
from tests.e2e.local_aws import aws_env

ROOT = Path(__file__).resolve().parents[2]
# sam logs prints `<log stream> <timestamp> <message>`; a JSON message is pretty-printed over the next lines.
EVENT_LINE = re.compile(r"^\S+ \d{4}-\d\d-\d\dT\S+ (?P<message>.*)$")


def structured_messages(output: str) -> list[dict[str, Any]]:
    messages: list[list[str]] = []
    for line in output.splitlines():
        match = EVENT_LINE.match(line)
        if match:
            messages.append([match["message"]])
        elif messages:
            messages[-1].append(line)
    found = []
    for parts in messages:
        text = "\n".join(parts)
        if text.lstrip().startswith("{"):
            try:
                found.append(json.loads(text))
            except ValueError:
                continue
    return found


def login_failures_logged(deployment: localstack.Deployment, since_ms: int) -> int:
    port = deployment.endpoint.rsplit(":", 1)[1]
    result = subprocess.run(  # noqa: S603
        ["make", f"LOCAL_PORT={port}", f"PYTHON={sys.executable}", "logs", "FN=LoginFunction"],  # noqa: S607
        cwd=ROOT,
        env=aws_env(deployment),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return sum(
        1
        for message in structured_messages(result.stdout)
        if message.get("service") == "customers"
        and message.get("LoginFailed") == [1.0]
        and int(message["_aws"]["Timestamp"]) >= since_ms
    )


def test_sam_logs_shows_the_structured_line_of_a_failed_login(api: Api, deployment: localstack.Deployment) -> None:
    username = api.register()
    started_ms = int(time.time() * 1000)

    response = api.post("/login", json={"username": username, "password": "not-the-password"})
    assert response.status_code == 401, response.text

    deadline = time.monotonic() + 60
    logged = login_failures_logged(deployment, started_ms)
    while not logged and time.monotonic() < deadline:
        time.sleep(2)
        logged = login_failures_logged(deployment, started_ms)
    # The Powertools metrics line (EMF, namespace Shop) of exactly this one failure, read back as structured JSON.
    assert logged == 1
