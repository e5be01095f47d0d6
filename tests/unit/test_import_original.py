"""`shopctl import-original` from a real PostgreSQL (started by the tests) into moto's tables.

The fixture shop (tests/original_shop.py) holds one row for every anomaly rule; these tests check each rule
fires for the row that breaks it, what the imported items look like through the real handlers (login, history,
purchase), and the run's safety: re-runs, dry runs, interruptions, unprocessed items and a registration racing
the import.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from shop_shared.data.reviews import review_id_for
from shopctl import cli
from shopctl.original import mapping, run, source, writer
from tests.original_shop import PASSWORDS, original_dsn, postgres_server
from tests.unit.conftest import Invoke

__all__ = ["original_dsn", "postgres_server"]  # fixtures used below

TABLES = writer.Tables("CustomersTable", "InventoryTable", "SalesTable", "ReviewsTable")
ESPRESSO = mapping.good_id_for(1)
TEA = mapping.good_id_for(2)


def _import(dsn: str, *, dry_run: bool = False, client: Any = None, employees: str = "bob,zoe") -> run.Report:
    return run.run(
        source.read(dsn),
        source_name=source.redacted(dsn),
        tables=TABLES,
        employees=frozenset(employees.split(",")),
        dry_run=dry_run,
        client=client,
    )


def _scan(table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.resource("dynamodb").Table(table).scan()["Items"]
    return items


def _register(call: Invoke, username: str) -> None:
    body = {
        "full_name": "Live",
        "username": username,
        "password": "live-pass-1",
        "age": 30,
        "address": "x",
        "gender": "x",
        "marital_status": "x",
    }
    assert call("customers_api.register", "POST", "/customers/register", body=body).status == 201


def _login(call: Invoke, username: str, password: str) -> Any:
    return call("customers_api.login", "POST", "/login", body={"username": username, "password": password})


# (rule, original id of the row that breaks it) for every rule; henry is registered live before the import.
EXPECTED = {
    ("username_refused", 5),
    ("username_taken", 9),
    ("wallet_out_of_range", 8),
    ("password_unusable", 4),
    ("password_unusable", 7),
    ("profile_field_refused", 6),
    ("profile_field_refused", 9),  # henry, age 150 (then skipped as taken)
    ("profile_field_missing", 6),
    ("wallet_negative", 3),
    ("wallet_sub_cent", 4),
    ("wallet_missing", 6),
    ("emp_not_named", 3),
    ("role_unknown", 6),
    ("employee_not_found", None),
    ("good_name_missing", 4),
    ("price_refused", 5),
    ("price_sub_cent", 2),
    ("category_refused", 3),
    ("description_too_long", 3),
    ("negative_stock", 2),
    ("stock_missing", 6),
    ("stock_out_of_range", 3),
    ("sale_customer_missing", 3),
    ("sale_good_missing", 4),
    ("sale_customer_not_imported", 7),
    ("sale_customer_not_imported", 11),
    ("sale_good_not_imported", 6),
    ("sale_quantity_refused", 8),
    ("sale_negative_quantity", 5),
    ("sale_total_refused", 12),
    ("sale_total_sub_cent", 9),
    ("unit_price_inexact", 2),
    ("sale_date_missing", 10),
    ("review_customer_missing", 8),
    ("review_good_missing", 9),
    ("review_customer_not_imported", 15),
    ("review_customer_not_imported", 13),
    ("review_good_not_imported", 16),
    ("rating_refused", 10),
    ("review_date_missing", 14),
    ("duplicate_review", 5),
    ("review_status_refused", 7),
    ("comment_too_long", 12),
}


def test_every_rule_is_reported_for_the_row_that_breaks_it(call: Invoke, original_dsn: str) -> None:
    _register(call, "henry")
    report = _import(original_dsn)

    found = {(a.rule, a.original_id) for a in report.anomalies}
    assert found == EXPECTED
    assert {rule for rule, _ in found} == set(mapping.RULES)
    skipped = {
        name: sum(1 for a in report.anomalies if a.table == name and a.action == mapping.SKIP) for name in run.ORDER
    }
    assert {name: counts.skipped for name, counts in report.summary.items()} == skipped
    # Recount from the tables, not from the importer's own counters.
    for name in run.ORDER:
        counts = report.summary[name]
        assert counts.imported == len(_scan(TABLES.of(name))) - (1 if name == "customers" else 0)
        assert counts.read == counts.imported + counts.skipped


def test_imported_customers_log_in_with_their_original_passwords(call: Invoke, original_dsn: str) -> None:
    _import(original_dsn)

    for username in ("alice", "bob", "carol"):  # $2b$, $2a$ and $2y$ hashes, stored verbatim
        result = _login(call, username, PASSWORDS[username])
        assert result.status == 200, result.body
    assert _login(call, "bob", PASSWORDS["bob"]).body["role"] == "emp"  # named in --employees
    assert _login(call, "carol", PASSWORDS["carol"]).body["role"] == "customer"  # emp in the original only
    stored = {item["username"]: item for item in _scan("CustomersTable")}
    original = {row.username: row for row in source.read(original_dsn).customers}
    assert stored["alice"]["password_hash"] == original["alice"].password
    # A plain-text password column is never stored: the account gets a password nobody knows.
    assert _login(call, "dave", "hunter2").status == 401
    assert stored["dave"]["password_reset_required"] is True
    assert "hunter2" not in json.dumps(stored["dave"], default=str)
    assert stored["frank"]["password_reset_required"] is True  # cost 16
    assert {name: stored[name]["wallet_balance"] for name in ("alice", "carol", "dave", "erin")} == {
        "alice": Decimal("120.50"),
        "carol": Decimal("-15.25"),
        "dave": Decimal("5.12"),
        "erin": Decimal(0),
    }


def test_imported_history_and_goods_through_the_handlers(call: Invoke, original_dsn: str) -> None:
    _import(original_dsn)
    token = _login(call, "alice", PASSWORDS["alice"]).body["access_token"]

    history = call("sales_api.sales_history", "GET", "/sales/history/{username}", {"username": "alice"}, token=token)
    assert history.status == 200
    by_id = {item["sale_id"]: item for item in history.body["items"]}
    assert by_id[mapping.sale_id_for(2)] == {
        "sale_id": mapping.sale_id_for(2),
        "username": "alice",
        "good_id": TEA,
        "good_name": "Green tea",
        "quantity": 3,
        "unit_price": 3.33,
        "total_price": 10,
        "sale_date": "2024-01-03T12:30:15.123Z",
    }
    assert set(by_id) == {mapping.sale_id_for(i) for i in (1, 2, 9)}
    dates = [item["sale_date"] for item in history.body["items"]]
    assert dates == sorted(dates, reverse=True)
    tea = call("sales_api.get_good", "GET", "/sales/goods/{good_id}", {"good_id": TEA}).body
    assert (tea["count"], tea["price"]) == (0, 3.33)  # negative stock stored as 0, price rounded
    window = call("sales_api.display_goods", "GET", "/sales/display-goods").body["items"]
    assert ESPRESSO in {g["id"] for g in window}
    assert TEA not in {g["id"] for g in window}  # no stock: not in the in-stock index
    bought = call("sales_api.sell", "POST", "/sales/sell", token=token, body={"good_id": ESPRESSO, "quantity": 2})
    assert bought.status == 201, bought.body
    assert bought.body["remaining_balance"] == 95.5


def test_reviews_are_written_as_submissions_for_the_moderation_job(call: Invoke, original_dsn: str) -> None:
    _register(call, "henry")
    report = _import(original_dsn)

    reviews = {item["original_id"]: item for item in _scan("ReviewsTable")}
    assert set(reviews) == {1, 2, 3, 4, 6, 7, 11, 12}  # 5 is alice's older review of the tea
    kept = reviews[6]
    assert kept["review_id"] == review_id_for(TEA, "alice")
    assert (kept["status"], kept["version"], kept["rating"]) == ("pending", 1, 4)
    assert len({item["revision"] for item in reviews.values()}) == len(reviews)
    assert reviews[7]["status"] == "pending"  # "rejected" is no status here: the job judges it
    assert reviews[11]["status"] == "flagged"
    goods = {item["id"]: item for item in _scan("InventoryTable")}
    # The aggregate starts empty, as for a good added through the API; only the job moves it.
    assert all((good["rating_sum"], good["rating_count"]) == (0, 0) for good in goods.values())
    espresso = next(e for e in report.expected_ratings if e.good_id == ESPRESSO)
    # alice 5, bob 3 approved; carol 4 and erin 2 pending -> approved by the rules; dave 1 flagged; henry's
    # review skipped (username taken); frank's flagged review never counts.
    assert (espresso.approved_count, espresso.rating_count, espresso.rating_sum) == (2, 4, 14)
    assert espresso.rating_avg == Decimal("3.50")


def test_a_second_run_imports_nothing_and_keeps_what_changed_since(call: Invoke, original_dsn: str) -> None:
    first = _import(original_dsn)
    token = _login(call, "alice", PASSWORDS["alice"]).body["access_token"]
    assert (
        call("sales_api.sell", "POST", "/sales/sell", token=token, body={"good_id": ESPRESSO, "quantity": 1}).status
        == 201
    )
    before = {name: sorted(_scan(TABLES.of(name)), key=str) for name in run.ORDER}

    second = _import(original_dsn)

    assert {name: c.imported for name, c in second.summary.items()} == dict.fromkeys(run.ORDER, 0)
    assert {name: c.already_present for name, c in second.summary.items()} == {
        name: c.imported for name, c in first.summary.items()
    }
    assert {name: sorted(_scan(TABLES.of(name)), key=str) for name in run.ORDER} == before
    alice = boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": "alice"})["Item"]
    assert alice["wallet_balance"] == Decimal("108.00")  # the purchase after the import is not undone


def test_dry_run_writes_nothing_and_reports_the_same(original_dsn: str, aws: None) -> None:
    dry = _import(original_dsn, dry_run=True)
    assert all(not _scan(TABLES.of(name)) for name in run.ORDER)

    real = _import(original_dsn)
    assert dry.summary == real.summary
    assert dry.anomalies == real.anomalies
    assert [vars(e) for e in dry.expected_ratings] == [vars(e) for e in real.expected_ratings]


class _Flaky:
    """A DynamoDB client that fails (or leaves unprocessed) the calls it is told to, and passes the rest on."""

    def __init__(self, inner: Any, *, fail_sales_after: int | None = None, unprocessed_once: bool = False) -> None:
        self.inner = inner
        self.fail_sales_after = fail_sales_after
        self.unprocessed_once = unprocessed_once
        self.sales_batches = 0
        self.batch_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> Any:  # boto3's parameter name
        self.batch_calls += 1
        if "SalesTable" in RequestItems:
            self.sales_batches += 1
            if self.fail_sales_after is not None and self.sales_batches > self.fail_sales_after:
                raise writer.WriteStalled("interrupted")
        if self.unprocessed_once:
            self.unprocessed_once = False
            ((table, requests),) = RequestItems.items()
            keep, later = requests[:1], requests[1:]
            self.inner.batch_write_item(RequestItems={table: keep})
            return {"UnprocessedItems": {table: later} if later else {}}
        return self.inner.batch_write_item(RequestItems=RequestItems)


def test_an_interrupted_run_resumes_where_it_stopped(
    original_dsn: str, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "WRITE_BATCH", 1)  # one sale per batch, so the failure lands mid-table
    flaky = _Flaky(writer.dynamodb_client(), fail_sales_after=1)
    with pytest.raises(writer.WriteStalled):
        _import(original_dsn, client=flaky)
    assert len(_scan("SalesTable")) == 1
    assert not _scan("ReviewsTable")

    resumed = _import(original_dsn)

    assert resumed.summary["sales"].already_present == 1
    assert resumed.summary["sales"].imported == 4
    assert resumed.summary["customers"].imported == 0
    assert len(_scan("SalesTable")) == 5
    assert len(_scan("ReviewsTable")) == resumed.summary["reviews"].imported


def test_unprocessed_items_are_sent_again(original_dsn: str, aws: None) -> None:
    flaky = _Flaky(writer.dynamodb_client(), unprocessed_once=True)
    report = _import(original_dsn, client=flaky)

    assert flaky.batch_calls == 3  # goods (1 + the unprocessed rest), sales
    assert len(_scan("InventoryTable")) == report.summary["goods"].imported == 4


class _RegistersDuringImport(_Flaky):
    """Someone registers `alice` in the new shop between the importer's read and its write."""

    def transact_write_items(self, TransactItems: list[Any]) -> Any:  # boto3's parameter name
        if TransactItems[0]["Put"]["TableName"] == "CustomersTable":
            live: dict[str, Any] = {
                "username": "alice",
                "full_name": "Live Alice",
                "wallet_balance": Decimal(1),
                "role": "customer",
            }
            boto3.resource("dynamodb").Table("CustomersTable").put_item(Item=live)
        return self.inner.transact_write_items(TransactItems=TransactItems)


def test_an_account_registered_during_the_import_is_not_overwritten(original_dsn: str, aws: None) -> None:
    report = _import(original_dsn, client=_RegistersDuringImport(writer.dynamodb_client()))

    alice = boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": "alice"})["Item"]
    assert alice["full_name"] == "Live Alice"
    assert "password_hash" not in alice
    assert ("username_taken", 1) in {(a.rule, a.original_id) for a in report.anomalies}
    assert not [s for s in _scan("SalesTable") if s["username"] == "alice"]
    assert not [r for r in _scan("ReviewsTable") if r["username"] == "alice"]


def test_the_command_prints_the_summary_and_writes_the_json_report(
    original_dsn: str, aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_path = tmp_path / "report.json"
    code = cli.main(["import-original", "--dsn", original_dsn, "--employees", "bob", "--report", str(report_path)])

    assert code == 0
    out = capsys.readouterr().out
    assert "import-original" in out
    assert "wallet_negative" in out
    saved = json.loads(report_path.read_text())
    assert saved["summary"]["customers"] == {
        "read": 9,
        "imported": 7,
        "already_present": 0,
        "skipped": 2,
        "flagged": 5,
    }
    assert saved["anomaly_counts"]["password_unusable"] == 2
    assert saved["good_ids"]["1"] == ESPRESSO
    # No password or hash from the source ever reaches the report or the terminal.
    for row in source.read(original_dsn).customers:
        assert row.password
        assert row.password not in out
        assert row.password not in report_path.read_text()


def test_an_unreachable_database_is_a_clear_error(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["import-original", "--dsn", "postgresql://nobody@127.0.0.1:1/none", "--report", str(tmp_path / "r")]
    )

    assert code == 1
    assert "cannot read the original database" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
