"""What `sam build` ships runs from bytecode: Lambda's /opt and /var/task are read-only, so a module shipped without
a valid .pyc is compiled from source on every cold start (it was 5.3x the baseline cold start instead of 2.3x).

Builds the real template into a temporary folder (offline apart from pip's index, as `sam build` always was) and
checks every Python source of the layer and of every function against its .pyc. Not timed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shopctl import localstack
from shopctl.template import resources, template

FUNCTIONS = sorted(resources("AWS::Serverless::Function"))
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
    layer = resources("AWS::Serverless::LayerVersion")["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    for name in FUNCTIONS:
        assert resources("AWS::Serverless::Function")[name]["Metadata"]["BuildMethod"] == "makefile", name


def test_the_built_layer_ships_valid_unchecked_bytecode_for_every_module(built: Path) -> None:
    layer = built / "SharedLayer" / "python"
    assert (layer / "shop_shared" / "api.py").exists()
    assert (layer / "pydantic").is_dir()
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


def test_the_layer_ships_every_requirement_of_its_packages_and_not_the_runtimes_sdk(built: Path) -> None:
    layer = built / "SharedLayer" / "python"
    shipped = {canonicalize_name(d.metadata["Name"]): d for d in importlib.metadata.distributions(path=[str(layer)])}
    assert {"aws-lambda-powertools", "pydantic", "bcrypt", "pyjwt"} <= shipped.keys()
    assert sorted(RUNTIME_SDK & shipped.keys()) == []
    assert [package for package in ("boto3", "botocore") if (layer / package).exists()] == []
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
                unmet.append(f"{name} needs {requirement}, the layer has {have.version if have else 'nothing'}")
    assert unmet == []
