"""Every sample event in events/ invokes its deployed function on the local stack (no Docker): tokens filled in
by shopctl from the seeded users, the seed restored before each event, the status the route's spec promises."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopctl import devloop, localstack
from tests.e2e.local_aws import aws_env, local_aws

ROOT = Path(__file__).resolve().parents[2]
EVENT_FILES = sorted((ROOT / "events").rglob("*.json"))
SPEC = json.loads((ROOT / "docs" / "openapi.json").read_text())


def success_status(event: dict[str, object]) -> int:
    """The one 2xx the OpenAPI document gives the event's route (200, 201 for a creation, 204 for a delete)."""
    operation = SPEC["paths"][event["resource"]][str(event["httpMethod"]).lower()]
    (status,) = [int(code) for code in operation["responses"] if code.startswith("2")]
    return status


@pytest.fixture(scope="module")
def stack(deployment: localstack.Deployment) -> Iterator[dict[str, str]]:
    with local_aws(deployment):
        yield devloop.stack_resources(deployment.stack_name)


@pytest.mark.parametrize("event_file", EVENT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_event_invokes_with_the_expected_status(
    event_file: Path, stack: dict[str, str], deployment: localstack.Deployment
) -> None:
    outputs = localstack.stack_outputs(deployment.stack_name, deployment.endpoint)
    devloop.seed(outputs)  # each event starts from the seed (delete_good, sell, ... change it)
    event = devloop.fill_event(event_file, stack)
    function = stack[devloop.function_for_event(event_file)]

    result = devloop.invoke(function, event)

    assert result.function_error is None, result.payload
    if "Records" in event:  # the moderation job's stream batch: a partial-failure report, nothing failed
        assert result.payload == {"batchItemFailures": []}
        return
    assert result.status == success_status(event), result.payload


def test_make_invoke_runs_sam_remote_invoke_with_fresh_tokens(deployment: localstack.Deployment) -> None:
    """The README's step: `make seed`, then `make invoke FN=GetCustomerFunction EVENT=...get_customer.json`."""
    env = aws_env(deployment)
    port = deployment.endpoint.rsplit(":", 1)[1]
    # Under `make test` this make is a sub-make, which would print "Leaving directory" after the answer.
    make = ["make", "--no-print-directory", f"LOCAL_PORT={port}", f"PYTHON={sys.executable}"]
    subprocess.run([*make, "seed"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603

    result = subprocess.run(  # noqa: S603
        [*make, "invoke", "FN=GetCustomerFunction", "EVENT=events/customers/get_customer.json"],
        cwd=ROOT,
        env={**env, "SHOP_STACK_NAME": deployment.stack_name},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    response = json.loads(result.stdout.strip().splitlines()[-1])
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["username"] == "ada"
