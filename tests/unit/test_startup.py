"""The cold-start measures of shop_shared.startup, each checked in a fresh interpreter (as Lambda starts one).

Not timed (bench/cold_init.py measures them): these fail when a Powertools release changes what the deferred
package `__init__`s do, or when a handler module stops starting the way the measures assume.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shop_shared import startup
from shopctl.template import handler_module, resources

ROOT = Path(__file__).resolve().parents[2]
# One handler module per code directory (each service package, the docs handler), and the moderation job.
_FUNCTIONS = sorted(resources("AWS::Serverless::Function").values(), key=handler_module)
HANDLERS = sorted(
    {str(function["Properties"]["CodeUri"]).rstrip("/"): handler_module(function) for function in _FUNCTIONS}.items()
    | {("functions/reviews", "reviews_api.moderation")}
)
# What the deferred `__init__`s would have imported and no API function uses (the moderation job's batch
# processor imports asyncio and the SQS and Kafka data classes itself).
NOT_FOR_THE_JOB = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.openapi.models",
    "aws_lambda_powertools.event_handler.openapi.merge",
)
NEVER_IMPORTED = (
    *NOT_FOR_THE_JOB,
    "asyncio",
    "aws_lambda_powertools.event_handler.events_appsync",
    "aws_lambda_powertools.utilities.data_classes.sqs_event",
    "aws_lambda_powertools.utilities.data_classes.kafka_event",
)


def run_python(code: str, *paths: Path) -> Any:
    """Run `code` in a fresh interpreter with the layer and `paths` first on sys.path; returns what it prints."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (*paths, ROOT / "layers" / "shared"))}
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.parametrize(("code_uri", "module"), HANDLERS)
def test_a_handler_module_starts_with_the_collector_paused_and_the_powertools_inits_deferred(
    code_uri: str, module: str
) -> None:
    unused = NOT_FOR_THE_JOB if module == "reviews_api.moderation" else NEVER_IMPORTED
    result = run_python(
        f"""
import gc, json, sys
import {module}
print(json.dumps({{
    "collector_on": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "imported": [name for name in {unused!r} if name in sys.modules],
}}))
""",
        ROOT / code_uri,
    )
    assert result == {"collector_on": True, "frozen": result["frozen"], "imported": []}
    assert result["frozen"] > 10_000, "end() froze what the init built"


@pytest.mark.parametrize("package", startup.DEFERRED_PACKAGES)
def test_a_deferred_package_exports_exactly_what_its_init_does(package: str) -> None:
    exports = """
import importlib, json
package = importlib.import_module({package!r})
def named(value):
    return f"{{value.__module__}}.{{value.__qualname__}}" if hasattr(value, "__qualname__") else repr(value)
print(json.dumps({{name: named(getattr(package, name)) for name in sorted(package.__all__)}}))
"""
    eager = run_python(exports.format(package=package))
    deferred = run_python(
        f"from shop_shared import startup\nstartup.defer_package_init({package!r})\n" + exports.format(package=package)
    )
    assert deferred == eager
    assert eager  # it exports something: the comparison compared names


def test_a_deferred_package_imports_a_name_only_when_it_is_used() -> None:
    result = run_python("""
import json, sys
from shop_shared import startup
startup.begin()
from aws_lambda_powertools.event_handler import Response, content_types
before = "aws_lambda_powertools.event_handler.appsync" in sys.modules
from aws_lambda_powertools.event_handler import AppSyncResolver
try:
    from aws_lambda_powertools.event_handler import NoSuchName
    missing = "imported"
except ImportError:
    missing = "ImportError"
startup.end()
print(json.dumps([before, AppSyncResolver.__module__, content_types.APPLICATION_JSON, missing]))
""")
    assert result == [False, "aws_lambda_powertools.event_handler.appsync", "application/json", "ImportError"]


@pytest.mark.parametrize(
    ("init", "refused"),
    [
        ("from .a import A\nsetup()\n", "does more than import"),
        ("from .a import *\n", "does more than import"),
        ("from other.a import A\n", "does more than import"),
        ("from .a import A\n__all__ = ['A', 'B']\n", "does not import"),
    ],
)
def test_an_init_that_does_more_than_import_its_submodules_is_never_deferred(
    tmp_path: Path, init: str, refused: str
) -> None:
    (tmp_path / "__init__.py").write_text(f'"""A package."""\n{init}')
    with pytest.raises(ImportError, match=refused):
        startup.package_exports("pkg", tmp_path / "__init__.py")


def test_an_init_of_imports_and_all_is_read_as_its_exports(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text(
        '"""A package."""\nfrom .a import A, B as C\nfrom pkg.sub.d import D\n__all__ = ["A", "C"]\n'
    )
    assert startup.package_exports("pkg", tmp_path / "__init__.py") == (
        {"A": "pkg.a", "C": "pkg.a", "D": "pkg.sub.d"},
        ["A", "C"],
    )


def test_the_collector_is_paused_from_begin_to_end_and_left_alone_if_it_was_off() -> None:
    result = run_python("""
import gc, json
from shop_shared import startup
startup.begin(); during = gc.isenabled(); startup.end(); after = gc.isenabled()
gc.disable(); startup.begin(); startup.end(); still_off = not gc.isenabled()
print(json.dumps([during, after, still_off]))
""")
    assert result == [False, True, True]
