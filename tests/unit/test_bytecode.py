"""What `sam build` ships runs from bytecode: Lambda's /opt and /var/task are read-only, so a module shipped without
a valid .pyc is compiled from source on every cold start (it was 5.3x the baseline cold start instead of 2.3x).

Builds the real template into a temporary folder (offline apart from pip's index, as `sam build` always was) and
checks every Python source of the layer and of every function against its .pyc. Not timed.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

import aws_lambda_powertools
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shopctl import localstack
from shopctl.template import resources, template

FUNCTIONS = sorted(resources("AWS::Serverless::Function"))
LAYERS = sorted(resources("AWS::Serverless::LayerVersion"))
# PEP 552 flags word: bit 0 = hash-based, bit 1 = check the source. Unchecked-hash .pyc are used as they are.
UNCHECKED_HASH = 0b01
# What the Lambda Python runtime provides and the layer must not ship (it would shadow the runtime's copy): the SDK and
# the distributions it brings.
RUNTIME_SDK = {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("sam-build")
    return localstack.build(work / "build", work / "build.log").parent


def bytecode_problems(root: Path) -> list[str]:
    problems = []
    sources = sorted(root.rglob("*.py"))
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists():
            problems.append(f"{source.relative_to(root)}: no {cached.name}")
            continue
        header = cached.read_bytes()[:16]
        if header[:4] != importlib.util.MAGIC_NUMBER:
            problems.append(f"{source.relative_to(root)}: bytecode of another Python version")
        elif int.from_bytes(header[4:8], "little") != UNCHECKED_HASH:
            problems.append(f"{source.relative_to(root)}: not an unchecked-hash .pyc")
        elif header[8:16] != importlib.util.source_hash(source.read_bytes()):
            problems.append(f"{source.relative_to(root)}: .pyc of other source")
    return problems


def test_the_interpreter_writing_bytecode_is_the_lambda_runtime_version() -> None:
    runtime = template()["Globals"]["Function"]["Runtime"]
    assert runtime == f"python{sys.version_info.major}.{sys.version_info.minor}"


def test_every_artifact_is_built_by_the_bytecode_makefiles() -> None:
    assert LAYERS == ["SharedLayer", "TracingLayer"]
    for name in LAYERS:
        assert resources("AWS::Serverless::LayerVersion")[name]["Metadata"]["BuildMethod"] == "makefile", name
    for name in FUNCTIONS:
        assert resources("AWS::Serverless::Function")[name]["Metadata"]["BuildMethod"] == "makefile", name


@pytest.mark.parametrize(("name", "package"), [("SharedLayer", "pydantic"), ("TracingLayer", "aws_xray_sdk")])
def test_every_built_layer_ships_valid_unchecked_bytecode_for_every_module(
    built: Path, name: str, package: str
) -> None:
    layer = built / name / "python"
    assert (layer / package).is_dir()
    assert bytecode_problems(layer) == []


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_built_function_ships_valid_unchecked_bytecode(built: Path, name: str) -> None:
    code = built / name
    assert any(code.rglob("*.py")), f"{name} built no Python code"
    assert bytecode_problems(code) == []


def test_the_moderation_job_ships_the_review_rules_with_their_word_list(built: Path) -> None:
    # The rules read banned_words.txt next to their module at run time: a build without it fails every judgement.
    package = built / "ReviewModerationFunction" / "reviews_api"
    assert (package / "review_rules.py").exists()
    assert "shit" in (package / "banned_words.txt").read_text(encoding="utf-8").split()


def distributions(*layers: Path) -> dict[str, importlib.metadata.Distribution]:
    """{canonical name: distribution} of what these layers ship, on sys.path together as Lambda mounts them."""
    found = importlib.metadata.distributions(path=[str(layer) for layer in layers])
    return {canonicalize_name(distribution.metadata["Name"]): distribution for distribution in found}


def unmet_requirements(*layers: Path) -> list[str]:
    """What the distributions in these layers require and lack, the runtime's SDK excepted."""
    shipped = distributions(*layers)
    unmet = []
    for name, distribution in shipped.items():
        for requirement in map(Requirement, distribution.requires or []):
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue  # an optional extra, or another platform's
            needed = canonicalize_name(requirement.name)
            if needed in RUNTIME_SDK:
                continue
            have = shipped.get(needed)
            if have is None or not requirement.specifier.contains(have.version, prereleases=True):
                unmet.append(f"{name} needs {requirement}, the layers have {have.version if have else 'nothing'}")
    return unmet


def test_the_layer_ships_every_requirement_of_its_packages_and_not_the_runtimes_sdk(built: Path) -> None:
    layer = built / "SharedLayer" / "python"
    shipped = distributions(layer).keys()
    assert {"aws-lambda-powertools", "pydantic", "bcrypt", "pyjwt"} <= shipped
    assert sorted(RUNTIME_SDK & shipped) == []
    assert [package for package in ("boto3", "botocore") if (layer / package).exists()] == []
    assert unmet_requirements(layer) == []


def test_the_x_ray_sdk_is_only_in_the_layer_tracing_adds(built: Path) -> None:
    shared, tracing = built / "SharedLayer" / "python", built / "TracingLayer" / "python"
    assert "aws-xray-sdk" not in distributions(shared)
    assert distributions(tracing).keys() == {"aws-xray-sdk", "wrapt"}
    assert unmet_requirements(shared, tracing) == []


def _modules(root: Path, package: str) -> dict[str, Path]:
    """{dotted module name: source} of `package` under `root`."""
    modules = {}
    for source in (root / package).rglob("*.py"):
        parts = source.relative_to(root).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = source
    return modules


def _imported_modules(module: str, source: Path, known: Iterable[str]) -> list[str]:
    """Every module of `known` that `source` imports anywhere (top level or inside a function), absolute."""
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    imported = []
    for node in ast.walk(ast.parse(source.read_bytes())):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            imported += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return sorted(set(imported) & set(known))


def test_no_module_the_layer_ships_imports_a_powertools_module_left_out(built: Path) -> None:
    # layers/shared/Makefile leaves out the Powertools utilities no function uses; a Powertools release whose kept
    # code starts importing one of them fails here, not at the first request that reaches that import. The dev
    # venv holds the same pinned Powertools, whole: the modules that could be imported.
    layer = built / "SharedLayer" / "python"
    complete = _modules(Path(aws_lambda_powertools.__file__).parent.parent, "aws_lambda_powertools")
    shipped = _modules(layer, "aws_lambda_powertools")
    assert "aws_lambda_powertools.utilities.idempotency" in complete.keys() - shipped.keys()
    missing = sorted(
        f"{module} imports {imported}"
        for module, source in shipped.items()
        for imported in _imported_modules(module, source, complete)
        if imported not in shipped
    )
    assert missing == []
