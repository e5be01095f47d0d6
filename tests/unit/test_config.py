"""A function whose environment lacks a variable its code needs fails at cold start, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop_shared import config
from shop_shared.data import reviews, sales  # noqa: F401 - each declares its table as it is imported

ROOT = Path(__file__).resolve().parents[2]
CODE_PATHS = ["layers/shared", "functions/customers", "functions/inventory", "functions/sales", "functions/reviews"]


def _cold_start(module: str, *unset: str) -> subprocess.CompletedProcess[str]:
    """Import a handler module in a fresh interpreter, as Lambda's init phase does, without the given variables."""
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env["PYTHONPATH"] = os.pathsep.join(str(ROOT / path) for path in CODE_PATHS)
    return subprocess.run(  # noqa: S603 - our own interpreter on our own module
        [sys.executable, "-c", f"import {module}"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("module", "variable"),
    [
        ("sales_api.sell", "SALES_TABLE"),
        ("sales_api.sell", "CUSTOMERS_TABLE"),
        ("customers_api.get_customer", "JWT_SECRET_ARN"),
        ("reviews_api.moderation", "INVENTORY_TABLE"),
    ],
)
def test_a_missing_variable_fails_the_cold_start_naming_it(module: str, variable: str) -> None:
    result = _cold_start(module, variable)

    assert result.returncode != 0
    assert "MissingSetting" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_a_function_needs_only_the_variables_its_code_uses() -> None:
    # Adding goods touches only the inventory table (and checks tokens): the other tables may be absent.
    result = _cold_start("inventory_api.add_good", "CUSTOMERS_TABLE", "SALES_TABLE", "REVIEWS_TABLE")

    assert result.returncode == 0, result.stderr


def test_check_names_every_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALES_TABLE")
    monkeypatch.setenv("REVIEWS_TABLE", "")

    with pytest.raises(config.MissingSetting) as raised:
        config.check_required()

    assert raised.value.names == ["REVIEWS_TABLE", "SALES_TABLE"]


def test_reading_an_unset_or_empty_variable_raises_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALES_TABLE")
    monkeypatch.setenv("REVIEWS_TABLE", "")

    for name in ("SALES_TABLE", "REVIEWS_TABLE"):
        with pytest.raises(config.MissingSetting) as raised:
            config.required(name)()
        assert raised.value.names == [name]
        assert name in str(raised.value)
