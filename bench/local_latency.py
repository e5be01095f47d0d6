"""Warm GET latency on the local stack (MiniStack), with and without the per-request access-log line.

MiniStack waits up to 50 ms after an invocation for the function's first stderr line (`_drain_stderr_bounded`),
and only gives up waiting early once a line arrived; the access line makes every API function log one. To compare
in one deployment, the bench switches GetGoodFunction's POWERTOOLS_LOG_LEVEL between INFO (the line is written)
and WARNING (the function is silent, as every read was before the access line), warming up after each switch,
and alternates BENCH_LATENCY_ROUNDS rounds of BENCH_LATENCY_REQUESTS sequential GET /sales/goods/{id}.

The goal figure is measured first and apart: the deployed configuration (INFO) on a warm worker, nothing switched
in between. A configuration change makes MiniStack start a new worker and retire the old one (its process and its
unpacked layer) while the next requests run, which the alternating rounds pay for and a warm GET does not.
"""

from __future__ import annotations

import os
import statistics
import time

import boto3
import requests

from shopctl import localstack

ROUNDS = int(os.environ.get("BENCH_LATENCY_ROUNDS", "4"))
REQUESTS = int(os.environ.get("BENCH_LATENCY_REQUESTS", "50"))
GOAL_MS = 10.0
PASSWORD = "bench-pass-1"


def _set_log_level(lambda_client: object, function_name: str, level: str) -> None:
    config = lambda_client.get_function_configuration(FunctionName=function_name)  # type: ignore[attr-defined]
    variables = {**config["Environment"]["Variables"], "POWERTOOLS_LOG_LEVEL": level}
    lambda_client.update_function_configuration(  # type: ignore[attr-defined]
        FunctionName=function_name, Environment={"Variables": variables}
    )


def main() -> None:
    port = localstack.free_port()
    work = localstack.ROOT / ".local" / f"bench-latency-{port}"
    with localstack.local_stack(port, work, BcryptRounds="4") as stack:
        http = requests.Session()
        api = stack.api_url
        localstack.create_employee(stack, "latencyboss", PASSWORD, bcrypt_rounds=4)
        login = http.post(f"{api}/login", json={"username": "latencyboss", "password": PASSWORD}, timeout=60)
        boss = {"Authorization": f"Bearer {login.json()['access_token']}"}
        good = http.post(
            f"{api}/inventory/add",
            json={"name": "Latency good", "category": "food", "price": 1, "count": 1},
            headers=boss,
            timeout=60,
        ).json()
        url = f"{api}/sales/goods/{good['id']}"
        aws = {**localstack.LOCAL_CREDENTIALS}
        lambda_client = boto3.client(
            "lambda",
            endpoint_url=stack.endpoint,
            region_name=aws["AWS_DEFAULT_REGION"],
            aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
        )
        cloudformation = boto3.client(
            "cloudformation",
            endpoint_url=stack.endpoint,
            region_name=aws["AWS_DEFAULT_REGION"],
            aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
        )
        function_name = cloudformation.describe_stack_resource(
            StackName=stack.stack_name, LogicalResourceId="GetGoodFunction"
        )["StackResourceDetail"]["PhysicalResourceId"]

        for _ in range(20):  # a warm worker, as deployed
            http.get(url, timeout=60).raise_for_status()
        steady = []
        for _ in range(ROUNDS * REQUESTS):
            started = time.perf_counter()
            http.get(url, timeout=60).raise_for_status()
            steady.append((time.perf_counter() - started) * 1000)

        samples: dict[str, list[float]] = {"INFO": [], "WARNING": []}
        for _ in range(ROUNDS):
            for level in ("WARNING", "INFO"):
                _set_log_level(lambda_client, function_name, level)
                for _ in range(5):  # a warm worker with the new configuration
                    http.get(url, timeout=60).raise_for_status()
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    http.get(url, timeout=60).raise_for_status()
                    samples[level].append((time.perf_counter() - started) * 1000)
        silent = statistics.median(samples["WARNING"])
        logged = statistics.median(samples["INFO"])
        count = len(samples["INFO"])
        goal = statistics.median(steady)
        verdict = "met" if goal <= GOAL_MS else "NOT met"
        print(f"warm GET /sales/goods/{{id}} on MiniStack as deployed, {len(steady)} requests on a warm worker:")
        print(f"  p50 {goal:.1f} ms (goal <= {GOAL_MS:.0f} ms: {verdict})")
        print(
            f"the access line's effect, {count} requests per setting in alternating rounds (worker replaced at each):"
        )
        print(f"  silent function (no access line, as before):  p50 {silent:.1f} ms")
        print(f"  with the access line (INFO, the default):      p50 {logged:.1f} ms")


if __name__ == "__main__":
    main()
