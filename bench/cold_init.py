"""Cold init of every deployed function, next to the floor any Python Lambda pays: import boto3 + a client.

Measured the way Lambda loads code: `sam build` output, a fresh interpreter per sample started without
site-packages (-S), with only the built layer (/opt/python) and the function's built code (/var/task) on
sys.path, so nothing from the dev venv (awscrt, pyOpenSSL, ...) is imported by accident. Each figure is the
median of BENCH_RUNS interpreters, timed inside the child (the runtime's own start-up is not init).
Bytecode is cached after the first sample; a real cold start also compiles the layer's modules once
(.pyc cannot be written under /opt).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from shopctl import localstack
from shopctl.template import handler_module, resources

RUNS = int(os.environ.get("BENCH_RUNS", "5"))

_PRELUDE = """
import sys, time
sys.path[:0] = {paths!r}
t = time.perf_counter()
"""
_BASELINE = """
import boto3
boto3.resource("dynamodb").Table("t")
"""
# What Powertools Tracer costs on its own: the X-Ray SDK builds a botocore client for sampling at import.
_XRAY = _BASELINE + "import aws_xray_sdk.core\n"
_FUNCTION = """
import importlib
importlib.import_module({module!r})
from shop_shared.data.dynamo import table
table("t")
"""
_REPORT = "print(time.perf_counter() - t)\n"


def _median_ms(body: str, paths: list[str]) -> float:
    code = _PRELUDE.format(paths=paths) + body + _REPORT
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    }
    command = [sys.executable, "-S", "-c", code]
    samples = [
        float(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)  # noqa: S603
        for _ in range(RUNS)
    ]
    return statistics.median(samples) * 1000


def main() -> None:
    work = localstack.ROOT / ".local" / "bench-build"
    work.mkdir(parents=True, exist_ok=True)
    built = localstack.build(work / "build", work / "build.log").parent
    layer = str(built / "SharedLayer" / "python")
    baseline = _median_ms(_BASELINE, [layer])
    with_xray = _median_ms(_XRAY, [layer])
    print(f"cold init, median of {RUNS} fresh interpreters (ms), layer + function code only, as on Lambda")
    print(f"baseline: import boto3 + client {baseline:.0f} ms")
    print(f"baseline + X-Ray SDK (the floor with Powertools Tracer): {with_xray:.0f} ms = {with_xray / baseline:.2f}x")
    print(f"{'function':30} {'handler module':36} {'ms':>6} {'x baseline':>10}")
    ratios = []
    for name, function in sorted(resources("AWS::Serverless::Function").items()):
        module = handler_module(function)
        ms = _median_ms(_FUNCTION.format(module=module), [str(built / name), layer])
        ratios.append(ms / baseline)
        print(f"{name:30} {module:36} {ms:6.0f} {ms / baseline:10.2f}")
    print(f"worst {max(ratios):.2f}x, median {statistics.median(ratios):.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
