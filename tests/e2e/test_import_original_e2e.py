"""`shopctl import-original` as an operator runs it, against the deployed stack, then checked over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from shopctl import localstack
from shopctl.original import mapping
from tests.e2e.conftest import Api
from tests.original_shop import PASSWORDS, original_dsn, postgres_server

__all__ = ["original_dsn", "postgres_server"]  # fixtures used below

ESPRESSO = mapping.good_id_for(1)
RATING_WAIT_SECONDS = 120


def test_an_imported_shop_works_through_the_api(
    api: Api, deployment: localstack.Deployment, original_dsn: str, tmp_path: Path
) -> None:
    api.register("henry")  # a live account with an original username: reported, never overwritten
    env = {**os.environ, **localstack.LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": deployment.endpoint}
    for inherited in ("CUSTOMERS_TABLE", "INVENTORY_TABLE", "SALES_TABLE", "REVIEWS_TABLE", "AWS_SESSION_TOKEN"):
        env.pop(inherited, None)
    report_path = tmp_path / "report.json"
    command = [sys.executable, "-m", "shopctl.cli", "import-original", "--dsn", original_dsn]
    command += ["--stack-name", deployment.stack_name, "--employees", "bob", "--report", str(report_path)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["summary"]["customers"]["imported"] == 6

    token = api.login("alice", PASSWORDS["alice"])  # the original bcrypt hash, unchanged
    history = api.get("/sales/history/alice", token).json()["items"]
    assert {sale["sale_id"] for sale in history} == {mapping.sale_id_for(i) for i in (1, 2, 9)}
    bought = api.post("/sales/sell", token, json={"good_id": ESPRESSO, "quantity": 1})
    assert bought.status_code == 201, bought.text
    assert bought.json()["remaining_balance"] == 108
    assert api.login("bob", PASSWORDS["bob"])
    assert api.post("/login", json={"username": "dave", "password": "hunter2"}).status_code == 401

    # The moderation job counts the approved reviews and judges the pending ones from the stream.
    (expected,) = [e for e in report["expected_ratings"] if e["good_id"] == ESPRESSO]
    assert (expected["rating_count"], expected["rating_avg"]) == (4, "3.50")
    deadline = time.monotonic() + RATING_WAIT_SECONDS
    good = api.get(f"/sales/goods/{ESPRESSO}").json()
    while good.get("rating_count") != expected["rating_count"] and time.monotonic() < deadline:
        time.sleep(2)
        good = api.get(f"/sales/goods/{ESPRESSO}").json()
    assert (good["rating_count"], good["rating_avg"]) == (4, 3.5)
