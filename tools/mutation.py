"""`make mutation`: mutmut 3 over the shared layer and the services, adapted to this repository's layout.

Run it with the mutation venv from the repository root: `.venv-mutation/bin/python tools/mutation.py run`, then
`... tools/mutation.py report` prints the score per module. Any other arguments go to mutmut's own command line
(`show <mutant>`, `results`, `browse`, ...). What is mutated and which tests run: `[tool.mutmut]` in pyproject.toml.

mutmut 3.8.1 needs two adaptations, both made here, before its command line runs, and nowhere else:

- It names a mutant after its file's path relative to the repository root (only a leading `src/` is dropped), but
  the code is imported from several source roots (pytest's `pythonpath`: `layers/shared`, `functions/<service>`),
  so `layers/shared/shop_shared/auth.py` must be `shop_shared.auth`, the name its functions' `__module__` carries.
  Without that every mutant is reported "no tests". The roots are read from pytest's `pythonpath`.
- It leaves decorated functions alone, because it copies a function with its decorators for each mutant (think
  `@app.post`). A service function's only decorator is `@raises(...)`, which just records the errors on the
  function, so copying it is harmless: functions whose decorators are all `raises(...)` are mutated too (their
  decorator arguments are not). Anything else decorated stays unmutated, as in mutmut (see docs/testing.md).

And one for this code: mutmut forks each mutant's test run from a process that has already run the suite, so a
`functools.cache` there (the signing key, the settings, the look-alike table of the review rules) would answer
from the unmutated run and hide every mutant behind it. Each mutant's run starts with those caches cleared, as a
cold start would.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import libcst as cst
from mutmut import __main__ as mutmut_main
from mutmut.mutation import file_mutation
from mutmut.runners import harness
from mutmut.stats import status_by_exit_code
from mutmut.utils import format_utils

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def source_root_prefixes() -> list[str]:
    """`layers.shared.`, `functions.customers.`, ...: the dotted forms of pytest's source roots, longest first."""
    roots = PYPROJECT["tool"]["pytest"]["ini_options"]["pythonpath"]
    prefixes = [root.strip("/").replace("/", ".") + "." for root in roots if root not in (".", "")]
    return sorted(prefixes, key=len, reverse=True)


PREFIXES = source_root_prefixes()
_mutant_name_from_path = format_utils.get_mutant_name


def module_mutant_name(relative_source_path: Path, mutant_method_name: str) -> str:
    name: str = _mutant_name_from_path(relative_source_path, mutant_method_name)
    return next((name.removeprefix(prefix) for prefix in PREFIXES if name.startswith(prefix)), name)


def only_raises_decorators(node: cst.FunctionDef) -> bool:
    def is_raises(decorator: cst.Decorator) -> bool:
        call = decorator.decorator
        return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "raises"

    return bool(node.decorators) and all(is_raises(decorator) for decorator in node.decorators)


_skip_node = file_mutation.MutationVisitor._skip_node_and_children


def skip_node_and_children(self: Any, node: cst.CSTNode) -> bool:
    if isinstance(node, cst.FunctionDef) and only_raises_decorators(node):
        # mutmut's own rules for an undecorated function: `# pragma: no mutate` on its line, or a name never mutated.
        position = self.get_metadata(cst.metadata.PositionProvider, node, None)
        if position and position.start.line in self._ignored_node_lines:
            self.ignored_functions.add(node.name.value)
            return True
        return node.name.value in file_mutation.NEVER_MUTATE_FUNCTION_NAMES
    skip: bool = _skip_node(self, node)
    return skip


def clear_caches() -> None:
    """Empty every functools cache of the code under test (the packages on pytest's source roots)."""
    packages = ("shop_shared", "customers_api", "inventory_api", "sales_api", "reviews_api")
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in packages:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


_run_tests = harness.PytestRunner.run_tests


def run_tests_from_a_cold_start(self: Any, *, mutant_name: str | None, tests: Any) -> int:
    clear_caches()
    exit_code: int = _run_tests(self, mutant_name=mutant_name, tests=tests)
    return exit_code


def adapt_mutmut() -> None:
    for module in (format_utils, file_mutation, mutmut_main):
        module.get_mutant_name = module_mutant_name
    file_mutation.MutationVisitor._skip_node_and_children = skip_node_and_children
    harness.PytestRunner.run_tests = run_tests_from_a_cold_start


def module_of(meta_file: Path) -> str:
    """mutants/layers/shared/shop_shared/auth.py.meta -> shop_shared.auth"""
    relative = meta_file.relative_to(ROOT / "mutants").with_suffix("").with_suffix("")
    return module_mutant_name(relative.with_suffix(".py"), "x").removesuffix(".x")


def scores() -> dict[str, Counter[str]]:
    by_module: dict[str, Counter[str]] = {}
    for meta_file in sorted((ROOT / "mutants").rglob("*.py.meta")):
        exit_codes = json.loads(meta_file.read_text())["exit_code_by_key"]
        if exit_codes:
            by_module[module_of(meta_file)] = Counter(status_by_exit_code[code] for code in exit_codes.values())
    return by_module


COLUMNS = ("killed", "survived", "timeout", "no tests", "suspicious", "not checked")


def report() -> int:
    """Print mutants / killed / survived / ... per module and in total; 1 if the total score is under 90 %."""
    by_module = scores()
    if not by_module:
        print("no results under mutants/: run `make mutation` first")
        return 1
    total: Counter[str] = Counter()
    header = f"{'module':<36} {'mutants':>7} " + " ".join(f"{column:>11}" for column in COLUMNS) + "   score"
    print(header)
    for module, counts in by_module.items():
        total.update(counts)
        print(row(module, counts))
    print("-" * len(header))
    print(row("total", total))
    return 0 if score(total) >= 0.90 else 1


def score(counts: Counter[str]) -> float:
    """Killed (a timeout is a kill: the mutant made a test hang) over every mutant that was checked.

    A mutant no test reaches ("no tests") counts as a survivor; "not checked" ones (a run stopped early) do not
    count either way, and the report shows how many there are.
    """
    checked = sum(counts.values()) - counts["not checked"] - counts["skipped"]
    return (counts["killed"] + counts["timeout"]) / checked if checked else 1.0


def row(name: str, counts: Counter[str]) -> str:
    cells = " ".join(f"{counts[column]:>11}" for column in COLUMNS)
    return f"{name:<36} {sum(counts.values()):>7} {cells} {score(counts):>7.1%}"


def main(argv: list[str]) -> int:
    if argv[:1] == ["report"]:
        return report()
    adapt_mutmut()
    mutmut_main.cli(argv, prog_name="mutmut")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
