"""Cold start of the same functions from two (or more) `sam build` outputs, interleaved: how a lever is measured.

`python -m bench.compare_builds before=<build dir> after=<build dir>` (BENCH_RUNS rounds, default 8;
BENCH_FUNCTIONS=A,B, default GetGoodFunction,SellFunction). Each sample is taken exactly as bench.cold_init takes
it (read-only copy, fresh `python -S -B`, init + first request against the seeded moto server), and divided by the
mean of a baseline sample taken just before and one just after it: on a shared, loaded machine that cancels more of
the load's drift than a whole build measured after the other. Printed: median ratio (quartiles) per function and
build.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.cold_init import (
    _BASELINE,
    _FUNCTION,
    _child_env,
    _event_for,
    _Moto,
    _quartiles,
    _read_only_copy,
    _sample,
    _service_name,
    function_paths,
)
from shopctl.template import handler_module, resources

RUNS = int(os.environ.get("BENCH_RUNS", "8"))


def main() -> None:
    import tests.conftest  # noqa: F401, PLC0415 - test credentials and table names for the seeding side

    builds = dict(argument.split("=", 1) for argument in sys.argv[1:])
    if not builds:
        raise SystemExit("usage: python -m bench.compare_builds name=<sam build dir> [name=<dir> ...]")
    functions = resources("AWS::Serverless::Function")
    names = os.environ.get("BENCH_FUNCTIONS", "GetGoodFunction,SellFunction").split(",")
    moto = _Moto()
    scratch = Path(tempfile.mkdtemp(prefix="shop-compare-"))
    ratios: dict[tuple[str, str], list[float]] = {}
    try:
        views = {}
        for label, built in builds.items():
            (scratch / label).mkdir()
            views[label] = _read_only_copy(Path(built), scratch / label)
        tokens = moto.seed()
        baseline_env = _child_env(moto.endpoint, "bench")
        baseline_paths = [str(views[next(iter(builds))][1])]
        samples = {}
        for name in names:
            function = functions[name]
            event, env = _event_for(name, function, tokens), _child_env(moto.endpoint, _service_name(function))
            for label, (view, runtime) in views.items():
                paths = function_paths(view, name, runtime)
                samples[name, label] = (paths, _FUNCTION.format(module=handler_module(function)), event, env)

        def baseline() -> float:
            return float(_sample(baseline_paths, _BASELINE, {}, baseline_env)["seconds"])

        for _ in range(RUNS):
            order = list(samples)
            random.shuffle(order)
            for key in order:
                before = baseline()
                moto.seed()
                seconds = float(_sample(*samples[key])["seconds"])
                ratios.setdefault(key, []).append(seconds / ((before + baseline()) / 2))
    finally:
        moto.stop()
        subprocess.run(["chmod", "-R", "u+w", str(scratch)], check=False)  # noqa: S603, S607
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"cold start x adjacent baselines, {RUNS} interleaved rounds: median (q1-q3)")
    print(f"{'function':28} " + " ".join(f"{label:>18}" for label in builds))
    for name in names:
        cells = []
        for label in builds:
            low, high = _quartiles(ratios[name, label])
            cells.append(f"{statistics.median(ratios[name, label]):5.2f} ({low:.2f}-{high:.2f})")
        print(f"{name:28} " + " ".join(f"{cell:>18}" for cell in cells))


if __name__ == "__main__":
    main()
