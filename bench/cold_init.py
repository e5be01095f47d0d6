"""Cold init of every deployed function's module, next to the floor any Python Lambda pays: import boto3 + a client.

Each figure is the median of fresh interpreters (python -c), measured inside the child with perf_counter so the
interpreter's own start-up is excluded, as Lambda's init phase excludes the runtime's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from shopctl.template import code_dirs, handler_module, resources

RUNS = int(os.environ.get("BENCH_RUNS", "5"))

_BASELINE = """
import time
t = time.perf_counter()
import boto3
boto3.resource("dynamodb").Table("t")
print(time.perf_counter() - t)
"""

# What Powertools Tracer costs on its own: the X-Ray SDK builds a botocore client for sampling at import.
_XRAY = """
import time
t = time.perf_counter()
import boto3
boto3.resource("dynamodb").Table("t")
import aws_xray_sdk.core
print(time.perf_counter() - t)
"""

_FUNCTION = """
import time
t = time.perf_counter()
import importlib
importlib.import_module({module!r})
from shop_shared.data.dynamo import table
table("t")
print(time.perf_counter() - t)
"""


def _median_ms(code: str) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(d) for d in code_dirs()),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    samples = [
        float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)  # noqa: S603
        for _ in range(RUNS)
    ]
    return statistics.median(samples) * 1000


def main() -> None:
    baseline = _median_ms(_BASELINE)
    with_xray = _median_ms(_XRAY)
    print(f"cold init (median of {RUNS} fresh interpreters, ms); baseline import boto3 + client: {baseline:.0f} ms")
    print(f"baseline + X-Ray SDK (the floor with Powertools Tracer): {with_xray:.0f} ms = {with_xray / baseline:.2f}x")
    print(f"{'function':34} {'handler module':40} {'ms':>7} {'x baseline':>10}")
    ratios = []
    for name, function in sorted(resources("AWS::Serverless::Function").items()):
        module = handler_module(function)
        ms = _median_ms(_FUNCTION.format(module=module))
        ratios.append(ms / baseline)
        print(f"{name:34} {module:40} {ms:7.0f} {ms / baseline:10.2f}")
    print(f"worst ratio {max(ratios):.2f}x (goal <= 1.5x), median {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
