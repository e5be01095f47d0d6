"""One import run: read the source, plan, compare with the target, write what is missing, report."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from shop_shared.models.common import utc_now
from shopctl.original import mapping, writer
from shopctl.original.source import Source

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# Parents before children: a sale or review is only written once its customer and good are there, and a review
# only reaches the moderation job's stream after its good exists (the job adds ratings only to existing goods).
ORDER = ("customers", "goods", "sales", "reviews")
# Tables whose keys the live shop can also create: written with conditional puts (see writer.py).
CONDITIONAL = {"customers": "username", "reviews": "review_id"}


@dataclass
class TableSummary:
    read: int = 0
    imported: int = 0
    already_present: int = 0
    skipped: int = 0
    flagged: int = 0


@dataclass
class Report:
    dry_run: bool
    source: str
    tables: dict[str, str]
    started_at: str
    finished_at: str = ""
    summary: dict[str, TableSummary] = field(default_factory=dict)
    anomalies: list[mapping.Anomaly] = field(default_factory=list)
    expected_ratings: list[mapping.ExpectedRating] = field(default_factory=list)
    good_ids: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "source": self.source,
            "tables": self.tables,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": {name: vars(counts) for name, counts in self.summary.items()},
            "anomaly_counts": dict(sorted(Counter(a.rule for a in self.anomalies).items())),
            "anomalies": [a.as_json() for a in self.anomalies],
            "expected_ratings": [
                {
                    "good_id": e.good_id,
                    "original_id": e.original_id,
                    "name": e.name,
                    "approved_in_original": e.approved_count,
                    "rating_count": e.rating_count,
                    "rating_sum": e.rating_sum,
                    "rating_avg": e.rating_avg,
                }
                for e in self.expected_ratings
            ],
            "good_ids": {str(original): new for original, new in sorted(self.good_ids.items())},
        }


def run(
    source: Source,
    *,
    source_name: str,
    tables: writer.Tables,
    employees: frozenset[str],
    dry_run: bool,
    client: DynamoDBClient | None = None,
    console: Console | None = None,
) -> Report:
    client = client or writer.dynamodb_client()
    console = console or Console(stderr=True)
    report = Report(
        dry_run=dry_run,
        source=source_name,
        tables={name: tables.of(name) for name in ORDER},
        started_at=utc_now(),
    )
    plan = mapping.plan(source, employees, report.started_at)
    present = _already_present(client, tables, plan)
    imported: dict[str, int] = {}
    with _progress(console) as progress:
        for name in ORDER:
            rows = [row for row in plan.tables[name].rows if _key(row.key) not in present[name]]
            if dry_run or not rows:
                imported[name] = len(rows)
                continue
            task = progress.add_task(f"{name:<9}", total=len(rows))

            def advance(count: int, task_id: Any = task) -> None:
                progress.advance(task_id, count)

            items = [row.item for row in rows]
            if name in CONDITIONAL:
                written = writer.put_new(client, tables.of(name), CONDITIONAL[name], items, advance)
                written_keys = {_key({CONDITIONAL[name]: item[CONDITIONAL[name]]}) for item in written}
                lost = [row for row in rows if _key(row.key) not in written_keys]
                if name == "customers":
                    # Registered between our read and our write: someone else's account now.
                    mapping.drop_taken_usernames(plan, {row.username or "": row.original_id for row in lost})
                else:
                    present[name] |= {_key(row.key) for row in lost}
                imported[name] = len(written)
            else:
                imported[name] = writer.put_batches(client, tables.of(name), items, advance)
    for name in ORDER:
        table = plan.tables[name]
        report.summary[name] = TableSummary(
            read=table.read,
            imported=imported[name],
            already_present=sum(1 for row in table.rows if _key(row.key) in present[name]),
            skipped=table.skipped,
            flagged=sum(1 for row in table.rows if row.flags),
        )
    report.anomalies = plan.anomalies
    report.expected_ratings = mapping.expected_ratings(plan)
    report.good_ids = plan.good_ids
    report.finished_at = utc_now()
    return report


def _key(key: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted(key.items()))


def _already_present(client: DynamoDBClient, tables: writer.Tables, plan: mapping.Plan) -> dict[str, set[Any]]:
    """Keys already in the target, per table; customers found there that this import did not create are
    reported as taken (with their sales and reviews) rather than counted as present."""
    customers = plan.tables["customers"].rows
    found = writer.existing(client, tables.customers, [row.key for row in customers], mapping.ORIGINAL_ID)
    by_name = {str(item["username"]): item for item in found}
    taken: dict[str, int] = {}
    for row in customers:
        item = by_name.get(row.username or "")
        if item is not None and item.get(mapping.ORIGINAL_ID) != row.original_id:
            taken[row.username or ""] = row.original_id
    mapping.drop_taken_usernames(plan, taken)
    present: dict[str, set[Any]] = {"customers": {_key({"username": name}) for name in by_name if name not in taken}}
    for name in ORDER[1:]:
        keys = [row.key for row in plan.tables[name].rows]
        found = writer.existing(client, tables.of(name), keys, "") if keys else []
        present[name] = {_key({k: item[k] for k in keys[0]}) for item in found}
    return present


@contextmanager
def _progress(console: Console) -> Iterator[Progress]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        yield progress


def print_report(report: Report, console: Console) -> None:
    title = "import-original"
    if report.dry_run:
        title += " (DRY RUN: nothing written; 'imported' = would be imported)"
    table = Table(title=title)
    for column in ("table", "read", "imported", "already present", "skipped", "flagged"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in report.summary.items():
        table.add_row(
            name,
            *(str(v) for v in (counts.read, counts.imported, counts.already_present, counts.skipped, counts.flagged)),
        )
    console.print(table)
    per_rule = Counter(a.rule for a in report.anomalies)
    if per_rule:
        anomalies = Table(title="anomalies (every one is in the JSON report)")
        for column in ("rule", "table", "action", "rows", "first example"):
            anomalies.add_column(column)
        for rule, count in sorted(per_rule.items()):
            first = next(a for a in report.anomalies if a.rule == rule)
            example = f"#{first.original_id}: {first.detail}" if first.original_id is not None else first.detail
            anomalies.add_row(rule, first.table, first.action, str(count), example)
        console.print(anomalies)
    if report.expected_ratings:
        ratings = Table(title="ratings the moderation job should reach (GET /sales/goods/{id})")
        for column in ("good", "original id", "new id", "approved now", "rating_count", "rating_avg"):
            ratings.add_column(column)
        for e in report.expected_ratings:
            ratings.add_row(
                e.name, str(e.original_id), e.good_id, str(e.approved_count), str(e.rating_count), str(e.rating_avg)
            )
        console.print(ratings)


def write_report(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_json(), indent=2, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
