"""The cold-start measures of shop_shared.startup, each checked in a fresh interpreter (as Lambda starts one).

Not timed (bench/cold_init.py measures them): these fail when a Powertools release changes what the deferred
package `__init__`s do, or when a handler module stops starting the way the measures assume.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
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
        ("__all__[:] = ['A']\n", "does more than import"),  # an assignment to __all__, but not by its name
        ("from .a import A\n__all__ = ['A']\nsetup()\n", ":4 does more than import"),  # read after __all__ too
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


# A made-up tree for defer_package_init: `outer` a package whose __init__ only imports, `outer.inner` one nested in
# it, then what is not a package with an __init__: a module, a namespace package (no __init__, no origin).
MADE_UP = {
    "made_up_shop/__init__.py": '"""A package."""\n',
    "made_up_shop/outer/__init__.py": '"""Deferred."""\nfrom .shallow import Thing\n__all__ = ["Thing"]\n',
    "made_up_shop/outer/shallow.py": 'Thing = "thing"\n',
    "made_up_shop/outer/inner/__init__.py": '"""Deferred too."""\nfrom .deep import Deep\n',
    "made_up_shop/outer/inner/deep.py": 'Deep = "deep"\n',
    "made_up_shop/plain.py": "VALUE = 1\n",
    "made_up_shop/spaced/part.py": "",
}


@pytest.fixture
def made_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """MADE_UP on sys.path; every module of it a test imports or registers is forgotten afterwards."""
    for file, text in MADE_UP.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in [name for name in sys.modules if name.partition(".")[0] == "made_up_shop"]:
        del sys.modules[name]


@pytest.mark.usefixtures("made_up")
def test_a_package_nested_two_deep_is_deferred_as_an_attribute_of_its_parent() -> None:
    startup.defer_package_init("made_up_shop.outer")  # parent first, as DEFERRED_PACKAGES are
    startup.defer_package_init("made_up_shop.outer.inner")
    inner = sys.modules["made_up_shop.outer.inner"]
    assert importlib.import_module("made_up_shop").outer.inner is inner
    assert "Deep" not in vars(inner), "nothing imported yet"
    assert inner.Deep == "deep"
    assert importlib.import_module("made_up_shop").outer.Thing == "thing"


@pytest.mark.usefixtures("made_up")
def test_a_name_a_deferred_package_does_not_export_is_the_usual_attribute_error() -> None:
    startup.defer_package_init("made_up_shop.outer")
    with pytest.raises(AttributeError) as raised:
        _ = sys.modules["made_up_shop.outer"].Nothing
    assert str(raised.value) == "module 'made_up_shop.outer' has no attribute 'Nothing'"


@pytest.mark.usefixtures("made_up")
def test_a_top_level_package_can_be_deferred() -> None:
    startup.defer_package_init("made_up_shop")
    assert "made_up_shop.outer" not in sys.modules
    assert importlib.import_module("made_up_shop.outer").Thing == "thing"


@pytest.mark.usefixtures("made_up")
@pytest.mark.parametrize("name", ["made_up_shop.plain", "made_up_shop.spaced", "made_up_shop.missing"])
def test_what_is_not_a_package_with_an_init_is_never_deferred(name: str) -> None:
    with pytest.raises(ImportError) as raised:
        startup.defer_package_init(name)
    assert str(raised.value) == f"{name} is not a package with an __init__: it cannot be deferred"
    assert name not in sys.modules


def test_the_collector_is_paused_from_begin_to_end_and_left_alone_if_it_was_off() -> None:
    result = run_python("""
import gc, json
from shop_shared import startup
startup.begin(); during = gc.isenabled(); startup.end(); after = gc.isenabled()
gc.disable(); startup.begin(); startup.end(); still_off = not gc.isenabled()
print(json.dumps([during, after, still_off]))
""")
    assert result == [False, True, True]
