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

And two for this code. Code that runs while a module is imported (the cold-start measures of `shop_shared.startup`,
the tracer choice of `shop_shared.observability`) ran in mutmut's parent process before any mutant was switched
on; only the tests that import it afresh in a child interpreter (which inherits the mutant's name through
MUTANT_UNDER_TEST) can see such a mutant, and mutmut's stats cannot credit them, since a child process's calls are
not recorded. So those tests are added to every mutant of those modules (IMPORT_TIME_TESTS). Likewise every module
builds its resolver, declares its errors and checks its configuration while it is imported (`api.create_app`,
`errors.raises`, `config.required`, ...): a mutant of a function that runs then (RUN_AT_IMPORT, found by importing
every handler module with mutmut recording the calls) gets its test run on the shop's modules imported afresh.

And mutmut forks each mutant's test run from a process that has already run the suite, so a
`functools.cache` there (the signing key, the settings, the look-alike table of the review rules) would answer
from the unmutated run and hide every mutant behind it. Each mutant's run starts with those caches cleared, as a
cold start would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import libcst as cst
from mutmut import __main__ as mutmut_main
from mutmut.mutation import file_mutation
from mutmut.runners import harness
from mutmut.state import state as mutmut_state
from mutmut.stats import status_by_exit_code
from mutmut.utils import format_utils
from mutmut.utils.format_utils import mangled_name_from_mutant_name

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


# The code under test: the packages on pytest's source roots.
SHOP_PACKAGES = ("shop_shared", "customers_api", "inventory_api", "sales_api", "reviews_api")


def clear_caches() -> None:
    """Empty every functools cache of the code under test (the packages on pytest's source roots)."""
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in SHOP_PACKAGES:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


# module -> the test files that import it in a fresh interpreter (see the module docstring).
IMPORT_TIME_TESTS = {
    "shop_shared.startup": ("tests/unit/test_startup.py",),
    "shop_shared.observability": ("tests/unit/test_observability.py",),
}


def add_fresh_interpreter_tests(mutants: list[tuple[Any, str, Any]]) -> None:
    """Credit the fresh-interpreter tests of IMPORT_TIME_TESTS to every mutant of those modules."""
    known_tests = list(mutmut_state().duration_by_test)
    for _, mutant_name, _ in mutants:
        function = mangled_name_from_mutant_name(mutant_name)
        files = next((f for module, f in IMPORT_TIME_TESTS.items() if function.startswith(module + ".")), ())
        mutmut_state().tests_by_mangled_function_name[function] |= {
            test for test in known_tests if test.partition("::")[0] in files
        }


_collect_mutants = mutmut_main.collect_source_file_mutation_data


def collect_mutants_with_import_time_tests(*, mutant_names: Any) -> Any:
    collected = _collect_mutants(mutant_names=mutant_names)
    add_fresh_interpreter_tests(collected[0])
    RUN_AT_IMPORT.update(functions_run_at_import())
    add_module_tests_to_import_time_functions(collected[0])
    return collected


def add_module_tests_to_import_time_functions(mutants: list[tuple[Any, str, Any]]) -> None:
    """Credit a function that runs at import with every test that reaches its module's other functions.

    mutmut's stats credit an import-time function only to the test during which its module happened to be first
    imported. What it builds is used by every request: `api.create_app`'s error handlers by each test that reaches
    `api._aws_error` or `api._unexpected`, `errors.raises`' declarations by each test that reads them.
    """
    tests_by_function = mutmut_state().tests_by_mangled_function_name
    for _, mutant_name, _ in mutants:
        function = mangled_name_from_mutant_name(mutant_name)
        if function in RUN_AT_IMPORT:
            module = function.rpartition(".")[0] + "."
            for other, tests in list(tests_by_function.items()):
                if other.startswith(module) and other not in RUN_AT_IMPORT:
                    tests_by_function[function] |= tests


# The mutated functions a handler module's import calls (set in the parent, inherited by every forked mutant run).
RUN_AT_IMPORT: set[str] = set()
_LIST_IMPORT_CALLS = """
import json, tests.conftest  # the unit tests' environment (table names, ...)
from mutmut.state import state
from shopctl.template import handler_module, resources
for function in resources("AWS::Serverless::Function").values():
    __import__(handler_module(function))
print(json.dumps(sorted(state()._stats)))
"""


def functions_run_at_import() -> list[str]:
    """Import every handler module as a cold start does, with mutmut recording each mutated function it calls."""
    roots = [str(ROOT / "mutants" / root) for root in PYPROJECT["tool"]["pytest"]["ini_options"]["pythonpath"]]
    env = {**os.environ, "MUTANT_UNDER_TEST": "stats", "PYTHONPATH": os.pathsep.join(roots)}
    command = [sys.executable, "-c", _LIST_IMPORT_CALLS]
    run = subprocess.run(command, cwd=ROOT / "mutants", env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if run.returncode != 0:
        raise RuntimeError(f"importing the mutated handler modules failed:\n{run.stderr[-3000:]}")
    calls: list[str] = json.loads(run.stdout.splitlines()[-1])
    return calls


def forget_code_under_test() -> None:
    """Drop the shop's modules (and the tests and tools that hold references into them), so the test run imports
    them afresh with the mutant switched on, as a cold start would."""
    packages = {*SHOP_PACKAGES, "tests", "shopctl"}
    for name in [name for name in sys.modules if name.partition(".")[0] in packages]:
        del sys.modules[name]


_run_tests = harness.PytestRunner.run_tests


def run_tests_from_a_cold_start(self: Any, *, mutant_name: str | None, tests: Any) -> int:
    if mutant_name and mangled_name_from_mutant_name(mutant_name) in RUN_AT_IMPORT:
        forget_code_under_test()
    clear_caches()
    exit_code: int = _run_tests(self, mutant_name=mutant_name, tests=tests)
    return exit_code


def adapt_mutmut() -> None:
    for module in (format_utils, file_mutation, mutmut_main):
        module.get_mutant_name = module_mutant_name
    file_mutation.MutationVisitor._skip_node_and_children = skip_node_and_children
    harness.PytestRunner.run_tests = run_tests_from_a_cold_start
    mutmut_main.collect_source_file_mutation_data = collect_mutants_with_import_time_tests


def module_of(meta_file: Path) -> str:
    """mutants/layers/shared/shop_shared/auth.py.meta -> shop_shared.auth"""
    root = ROOT / "mutants" if meta_file.is_relative_to(ROOT / "mutants") else RESULTS
    relative = meta_file.relative_to(root).with_suffix("").with_suffix("")
    return module_mutant_name(relative.with_suffix(".py"), "x").removesuffix(".x")


def scores() -> dict[str, Counter[str]]:
    by_module: dict[str, Counter[str]] = {}
    results = ROOT / "mutants" if (ROOT / "mutants").is_dir() else RESULTS
    for meta_file in sorted(results.rglob("*.py.meta")):
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


# A whole run takes hours on two cores, longer than a working session: the results (mutmut's per-file .meta: each
# mutant's exit code and the hash of the function it mutates) are kept in the repository, and a run starts from them.
# mutmut re-tests a mutant only when its function's hash changed, or when it is named on the command line.
RESULTS = ROOT / "tools" / "mutation-results"


def save_results() -> None:
    """mutants/**/*.py.meta -> tools/mutation-results/ (what is committed)."""
    for meta_file in (ROOT / "mutants").rglob("*.py.meta"):
        kept = RESULTS / meta_file.relative_to(ROOT / "mutants")
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(meta_file.read_text())


def restore_results() -> None:
    """tools/mutation-results/ -> mutants/, for every file mutants/ has no results for yet (a fresh checkout)."""
    for kept in RESULTS.rglob("*.py.meta"):
        meta_file = ROOT / "mutants" / kept.relative_to(RESULTS)
        if not meta_file.exists():
            meta_file.parent.mkdir(parents=True, exist_ok=True)
            meta_file.write_text(kept.read_text())


def main(argv: list[str]) -> int:
    if argv[:1] == ["report"]:
        return report()
    if argv[:1] == ["save"]:
        save_results()
        return 0
    if argv[:1] == ["run"]:
        restore_results()
    adapt_mutmut()
    mutmut_main.cli(argv, prog_name="mutmut")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
