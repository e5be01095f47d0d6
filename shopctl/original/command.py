"""The `shopctl import-original` command: arguments in, report out."""

from __future__ import annotations

import argparse
import os

import psycopg
from rich.console import Console

from shopctl import localstack
from shopctl.original import run, source, writer

_TABLE_ENV = {
    "customers": ("CUSTOMERS_TABLE", "CustomersTableName"),
    "inventory": ("INVENTORY_TABLE", "InventoryTableName"),
    "sales": ("SALES_TABLE", "SalesTableName"),
    "reviews": ("REVIEWS_TABLE", "ReviewsTableName"),
}


def target_tables(stack_name: str) -> writer.Tables:
    """The four table names: from the environment when all are set (tests, a hand-made setup), else from the
    stack's outputs (AWS, or a local stack when AWS_ENDPOINT_URL points at it)."""
    if all(env in os.environ for env, _ in _TABLE_ENV.values()):
        return writer.Tables(**{name: os.environ[env] for name, (env, _) in _TABLE_ENV.items()})
    outputs = localstack.stack_outputs(stack_name)
    return writer.Tables(**{name: outputs[output] for name, (_, output) in _TABLE_ENV.items()})


def import_original(args: argparse.Namespace) -> int:
    console = Console()
    errors = Console(stderr=True)
    employees = frozenset(name.strip() for name in args.employees.split(",") if name.strip())
    try:
        rows = source.read(args.dsn)
    except psycopg.Error as exc:
        errors.print(f"error: cannot read the original database: {exc}", markup=False)
        return 1
    tables = target_tables(args.stack_name)
    try:
        report = run.run(
            rows,
            source_name=source.redacted(args.dsn),
            tables=tables,
            employees=employees,
            dry_run=args.dry_run,
            console=errors,
        )
    except writer.WriteStalled as exc:
        errors.print(f"error: {exc}. Everything written so far stays; run the same command again to resume.")
        return 1
    run.print_report(report, console)
    run.write_report(report, args.report)
    console.print(f"report: {args.report}")
    return 0
