"""Cold start of every deployed function as Lambda runs it, as a ratio to the floor any Python Lambda pays.

What is measured, per sample, in a fresh interpreter:
- the `sam build` artifacts (BENCH_BUILD=<dir> measures an existing build instead of building), copied to a
  temporary folder that is made read-only (chmod -R a-w) like Lambda's /opt and /var/task; because this
  may run as root, which ignores file modes, the interpreter also runs with -B (never writes bytecode), and
  the bench checks afterwards that no file appeared there;
- the interpreter runs without site-packages (-S), with only the function's code, the layer's python/ and the
  runtime's AWS SDK on sys.path, in Lambda's order, after importing what the Lambda runtime's bootstrap has already
  imported (json, logging, ...). The SDK (boto3, botocore and their dependencies) is the runtime's, not the
  layer's: a copy of this venv's, with bytecode, read-only, stands in for the runtime's /var/runtime;
- timed inside the child: the handler module's import (Lambda's init) PLUS the first request, the function's
  sample event from events/ with CUSTOMER_TOKEN / EMPLOYEE_TOKEN filled in (GET /docs has none: one is built).
  DynamoDB and Secrets Manager calls go to a moto server on 127.0.0.1 (reset and seeded with the unit tests'
  data before every sample), so the figure includes one local HTTP round trip per call, not AWS latency.
  bcrypt runs at cost 4 (BCRYPT_ROUNDS): hashing is the request's deliberate work, not start-up;
- the baseline: `import boto3` + a DynamoDB client from that runtime SDK, with its bytecode (precompiled);
- interleaved: every round runs the baseline between every few functions in a shuffled order, and a function's
  ratio is its sample over the median baseline of the same round; BENCH_RUNS rounds (default 15).
Printed per function: the median ratio (and quartiles), modules that had to be compiled from source, whether the
X-Ray SDK was loaded, and the first request's status. BENCH_TRACING=Active measures with tracing switched on;
BENCH_FUNCTIONS=A,B limits the functions.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

from shopctl import localstack
from shopctl.template import handler_module, resources, template

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
TRACING = os.environ.get("BENCH_TRACING", "Disabled")
GOAL = 1.5
BASELINE_EVERY = 5  # functions between two baseline samples
# What the Lambda Python runtime ships besides the standard library: the AWS SDK and what it needs.
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")

_PRELUDE = """
import json, logging, os, sys, time, traceback, warnings  # already loaded by Lambda's bootstrap
sys.path[:0] = {paths!r}

class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

event = json.loads({event!r})
t = time.perf_counter()
"""
_BASELINE = """
import boto3
boto3.client("dynamodb")
status = "-"
"""
_FUNCTION = """
import importlib
result = importlib.import_module({module!r}).handler(event, Context())
status = result.get("statusCode") if "statusCode" in result else "batch, %d failed" % len(result["batchItemFailures"])
"""
_REPORT = """
elapsed = time.perf_counter() - t
from_source = sorted(
    name for name, m in list(sys.modules.items())
    if getattr(m, "__file__", None) and m.__file__.endswith(".py") and m.__file__.startswith(tuple(sys.path[:2]))
    and not os.path.exists(getattr(m, "__cached__", None) or "")
)
print("\\nBENCH-RESULT " + json.dumps({
    "seconds": elapsed, "status": str(status), "from_source": len(from_source), "xray": "aws_xray_sdk" in sys.modules
}))
"""


def _child_env(endpoint: str, service: str) -> dict[str, str]:
    # The template's literal environment (e.g. PYDANTIC_DISABLE_PLUGINS), then the bench's stand-ins for the rest.
    deployed = {
        name: value
        for name, value in template()["Globals"]["Function"]["Environment"]["Variables"].items()
        if isinstance(value, str)
    }
    return {
        **deployed,
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "CUSTOMERS_TABLE": "CustomersTable",
        "INVENTORY_TABLE": "InventoryTable",
        "SALES_TABLE": "SalesTable",
        "REVIEWS_TABLE": "ReviewsTable",
        "JWT_SECRET_ARN": "shop-test-jwt",
        "BCRYPT_ROUNDS": "4",
        "TOKEN_TTL_SECONDS": "3600",
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": "Shop",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "SHOP_TRACING": TRACING,
    }


def _service_name(function: dict[str, Any]) -> str:
    return str(function["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"])


def _sample(paths: list[str], body: str, event: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    code = _PRELUDE.format(paths=paths, event=json.dumps(event)) + body + _REPORT
    command = [sys.executable, "-S", "-B", "-c", code]
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    lines = [line for line in run.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if run.returncode != 0 or not lines:
        raise RuntimeError(f"bench child failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    return result


def _read_only_copy(built: Path, into: Path) -> tuple[Path, Path]:
    """The build as Lambda sees it, and the runtime's AWS SDK (precompiled, as the runtime ships it)."""
    lambda_view = into / "lambda"
    shutil.copytree(built, lambda_view, symlinks=True)
    runtime = into / "runtime"
    for name in RUNTIME_SDK:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            source = Path(str(distribution.locate_file(file)))
            if file.parts[0] != ".." and source.is_file() and "__pycache__" not in file.parts:
                (runtime / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, runtime / file)
    compile_all = [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    subprocess.run([*compile_all, str(runtime)], check=True)  # noqa: S603
    for tree in (lambda_view, runtime):
        subprocess.run(["chmod", "-R", "a-w", str(tree)], check=True)  # noqa: S603, S607
    return lambda_view, runtime


def function_paths(lambda_view: Path, name: str, runtime: Path) -> list[str]:
    """sys.path as Lambda orders it: the function's code, the layers (the X-Ray SDK's with tracing on), the runtime."""
    layers = ["SharedLayer", "TracingLayer"] if TRACING == "Active" else ["SharedLayer"]
    return [str(lambda_view / name), *(str(lambda_view / layer / "python") for layer in layers), str(runtime)]


def _file_count(tree: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(tree))


def _event_for(name: str, function: dict[str, Any], tokens: dict[str, str]) -> dict[str, Any]:
    from tests.apigw import rest_event  # noqa: PLC0415
    from tests.unit.conftest import EVENTS_DIR, load_event  # noqa: PLC0415

    service, _, leaf = handler_module(function).rpartition(".")
    sample = EVENTS_DIR / service.removesuffix("_api") / f"{leaf}.json"
    if service and sample.exists():
        return load_event(str(sample.relative_to(EVENTS_DIR)), tokens)
    api = next(e["Properties"] for e in function["Properties"]["Events"].values() if e["Type"] == "Api")
    if "{" in api["Path"]:
        raise RuntimeError(f"{name}: no sample event in events/ and its route has parameters")
    return rest_event(api["Method"].upper(), api["Path"])


class _Moto:
    """A moto server the children talk to; reset and seeded before each function sample."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per call otherwise
        port = localstack.free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint

    def seed(self) -> dict[str, str]:
        from tests.unit.conftest import create_signing_secret, create_tables, seed_data  # noqa: PLC0415

        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
        create_tables()
        create_signing_secret()
        return seed_data()

    def stop(self) -> None:
        self.server.stop()


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 4:
        return min(values), max(values)
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def main() -> None:  # noqa: PLR0915 - one measurement protocol, read top to bottom
    import tests.conftest  # noqa: F401, PLC0415 - test credentials and table names for the seeding side

    functions = dict(sorted(resources("AWS::Serverless::Function").items()))
    if only := os.environ.get("BENCH_FUNCTIONS"):
        functions = {name: fn for name, fn in functions.items() if name in only.split(",")}
    if given := os.environ.get("BENCH_BUILD"):
        built = Path(given)
    else:
        work = localstack.ROOT / ".local" / "bench-build"
        work.mkdir(parents=True, exist_ok=True)
        built = localstack.build(work / "build", work / "build.log").parent
    moto = _Moto()
    scratch = Path(tempfile.mkdtemp(prefix="shop-cold-"))
    try:
        lambda_view, runtime = _read_only_copy(built, scratch)
        files_before = _file_count(lambda_view)
        tokens = moto.seed()
        events = {name: _event_for(name, fn, tokens) for name, fn in functions.items()}
        ratios: dict[str, list[float]] = defaultdict(list)
        info: dict[str, dict[str, Any]] = {}
        baselines: list[float] = []
        baseline_env = _child_env(moto.endpoint, "bench")

        def baseline() -> float:
            return float(_sample([str(runtime)], _BASELINE, {}, baseline_env)["seconds"])

        for _ in range(RUNS):
            order = list(functions)
            random.shuffle(order)
            round_baselines = [baseline()]
            round_samples: dict[str, float] = {}
            for i, name in enumerate(order, start=1):
                function = functions[name]
                moto.seed()  # the tokens stay valid: the signing key is the same after a reset
                env = _child_env(moto.endpoint, _service_name(function))
                paths = function_paths(lambda_view, name, runtime)
                result = _sample(paths, _FUNCTION.format(module=handler_module(function)), events[name], env)
                round_samples[name] = result["seconds"]
                info[name] = result
                if i % BASELINE_EVERY == 0 or i == len(order):
                    round_baselines.append(baseline())
            floor = statistics.median(round_baselines)
            baselines += round_baselines
            for name, seconds in round_samples.items():
                ratios[name].append(seconds / floor)
        if _file_count(lambda_view) != files_before:
            raise RuntimeError("a file appeared in the read-only build: the measurement did not run as on Lambda")
    finally:
        moto.stop()
        subprocess.run(["chmod", "-R", "u+w", str(scratch)], check=False)  # noqa: S603, S607
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"cold start = init + first request, read-only sam build, tracing {TRACING}, {RUNS} interleaved rounds")
    floor_ms = statistics.median(baselines) * 1000
    print(f"baseline (import boto3 + DynamoDB client, precompiled): median {floor_ms:.0f} ms")
    print(f"{'function':28} {'x baseline':>10} {'(q1-q3)':>11} {'from src':>8} {'x-ray':>5}  first request")
    medians = []
    for name in functions:
        median = statistics.median(ratios[name])
        low, high = _quartiles(ratios[name])
        medians.append(median)
        result = info[name]
        xray = "yes" if result["xray"] else "no"
        print(
            f"{name:28} {median:10.2f} {low:5.2f}-{high:5.2f} {result['from_source']:8d} {xray:>5}  {result['status']}"
        )
    verdict = "met" if max(medians) <= GOAL else "NOT met"
    print(f"worst {max(medians):.2f}x, median {statistics.median(medians):.2f}x (goal <= {GOAL}x: {verdict})")


if __name__ == "__main__":
    main()
