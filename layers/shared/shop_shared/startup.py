"""What a function does first and last while Lambda imports its handler module (its cold start).

Each service package's `__init__` (and the docs handler) calls `begin()` before it imports anything else;
`lambda_handler` (and the moderation job) call `end()` once the handler exists. Both measures are measured in the
README's Benchmarks section.

1. The cyclic garbage collector is paused in between. Importing boto3, pydantic and Powertools allocates hundreds
   of thousands of long-lived objects (modules, classes, functions) and next to no cyclic garbage, yet each time the
   tracked objects grow by a quarter CPython walks all of them in a full collection. `end()` moves everything the
   init built into the permanent generation (`gc.freeze()`), so later collections never walk it again either, and
   switches the collector back on. Nothing is freed later than it would have been, except cyclic garbage made
   during the import, of which there is next to none.

2. Some Powertools packages are registered without running their `__init__`: `event_handler`, whose `__init__`
   imports every resolver (AppSync's with asyncio, Bedrock's, VPC Lattice's, ...) for the one REST resolver we
   use; `utilities.data_classes`, whose `__init__` imports every event source's data class for the two or three
   a function reads; `event_handler.openapi` (the spec merger) and `event_handler.openapi.swagger_ui`, whose
   OAuth2 model imports the pydantic models of the whole OpenAPI document, which the docs function, serving the
   committed docs/openapi.json, never builds. Each of these `__init__`s does nothing but import names from its
   own submodules (checked here, from its source, every cold start), so each name is instead imported from that
   submodule the first time it is used: `from aws_lambda_powertools.event_handler import Response` and every
   other import behaves as before. If a Powertools release puts anything else in one of those `__init__`s,
   `begin()` raises ImportError: the cold start and the unit tests fail, naming the file, instead of a function
   silently running without it.
"""

from __future__ import annotations

import ast
import gc
import importlib
import importlib.util
import sys
from pathlib import Path

# Parents before children: deferring a package first imports its parent.
DEFERRED_PACKAGES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.event_handler.openapi",
    "aws_lambda_powertools.event_handler.openapi.swagger_ui",
    "aws_lambda_powertools.utilities.data_classes",
)

_paused = False


def begin() -> None:
    """Pause the cyclic garbage collector until `end()`, and defer the heavy Powertools package `__init__`s."""
    global _paused  # noqa: PLW0603 - one flag per process, like the collector it describes
    if gc.isenabled():
        gc.disable()
        _paused = True
    for name in DEFERRED_PACKAGES:
        defer_package_init(name)


def end() -> None:
    """Freeze what the init built and switch the collector back on, if `begin()` paused it."""
    global _paused  # noqa: PLW0603
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def package_exports(name: str, init: Path) -> tuple[dict[str, str], list[str] | None]:
    """What the package `name`'s `__init__` (at `init`) exports: {name: submodule it is imported from}, `__all__`.

    Raises ImportError if the `__init__` does anything else than import from the package's own submodules and
    set `__all__`: then deferring it would change what the package does.
    """
    exports: dict[str, str] = {}
    public: list[str] | None = None
    for node in ast.parse(init.read_bytes(), str(init)).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and node.module and (node.level == 1 or node.module.startswith(f"{name}.")):
            submodule = f"{name}.{node.module}" if node.level == 1 else node.module
            exports.update({alias.asname or alias.name: submodule for alias in node.names if alias.name != "*"})
            if all(alias.name != "*" for alias in node.names):
                continue
        elif (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__all__"]
            and public is None
        ):
            public = list(ast.literal_eval(node.value))
            continue
        raise ImportError(f"{init}:{node.lineno} does more than import from its submodules: it cannot be deferred")
    missing = sorted(set(public or ()) - set(exports))
    if missing:
        raise ImportError(f"{init}: __all__ names {missing} that it does not import: it cannot be deferred")
    return exports, public


def defer_package_init(name: str) -> None:
    """Register package `name` without running its `__init__`: each name it exports is imported on first use."""
    if name in sys.modules:
        return  # already imported the ordinary way (e.g. in a test process)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not a package with an __init__: it cannot be deferred")
    exports, public = package_exports(name, Path(spec.origin))
    package = importlib.util.module_from_spec(spec)

    def attribute(attr: str) -> object:
        if attr not in exports:
            # Submodules are found by the import system once this says no, as for any package.
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        value = getattr(importlib.import_module(exports[attr]), attr)
        setattr(package, attr, value)
        return value

    package.__getattr__ = attribute  # type: ignore[method-assign] # PEP 562: called for names not yet set
    if public is not None:
        vars(package)["__all__"] = public
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:  # a submodule is an attribute of its package; a top-level package is in sys.modules only
        setattr(sys.modules[parent], child, package)
