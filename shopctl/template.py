"""Reads template.yaml (CloudFormation short-form tags included) for tooling and tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)  # type: ignore[no-untyped-call]


@cache
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    return loaded


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template()["Resources"].items() if res["Type"] == kind}


def api_functions() -> dict[str, dict[str, Any]]:
    """Functions behind API Gateway routes, by logical id."""
    return {
        name: fn
        for name, fn in resources("AWS::Serverless::Function").items()
        if any(event["Type"] == "Api" for event in fn["Properties"].get("Events", {}).values())
    }


def handler_module(function: dict[str, Any]) -> str:
    return str(function["Properties"]["Handler"]).rsplit(".", 1)[0]


def code_dirs() -> list[Path]:
    """Every function's CodeUri plus the layer: what must be importable to load the handlers in-process."""
    uris = {str(fn["Properties"]["CodeUri"]) for fn in resources("AWS::Serverless::Function").values()}
    return [ROOT / "layers" / "shared", *sorted(ROOT / uri for uri in uris)]
