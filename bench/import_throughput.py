"""Rows per second that `shopctl import-original` writes into the local stack (MiniStack).

Starts a throwaway PostgreSQL (Debian's package, as the tests do) holding a generated original shop of
BENCH_IMPORT_CUSTOMERS customers, BENCH_IMPORT_GOODS goods and BENCH_IMPORT_SALES sales, deploys the template on
its own emulator, runs the import and prints rows/s per table. The issue's sizes are 10k customers and 100k
sales (BENCH_IMPORT_CUSTOMERS=10000 BENCH_IMPORT_SALES=100000); the defaults are a tenth of that so `make bench`
stays short on a shared machine.
"""

from __future__ import annotations

import os
import time

import bcrypt
import psycopg
from rich.console import Console

from shopctl import localstack
from shopctl.original import run, source, writer
from tests import original_shop, postgres

CUSTOMERS = int(os.environ.get("BENCH_IMPORT_CUSTOMERS", "1000"))
GOODS = int(os.environ.get("BENCH_IMPORT_GOODS", "100"))
SALES = int(os.environ.get("BENCH_IMPORT_SALES", "10000"))


def _generate(dsn: str) -> None:
    password_hash = bcrypt.hashpw(b"bench-pass-1", bcrypt.gensalt(4)).decode()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(original_shop.SCHEMA.read_text())  # our own fixture file
        connection.execute(
            "INSERT INTO customers (full_name, username, password, age, address, gender, marital_status, "
            "wallet_balance, role) SELECT 'Customer ' || i, 'cust_' || i, %s, 30, 'Street ' || i, 'x', 'single', "
            "100.00, 'customer' FROM generate_series(1, %s) AS i",
            (password_hash, CUSTOMERS),
        )
        connection.execute(
            "INSERT INTO inventory (name, category, price, description, count) "
            "SELECT 'Good ' || i, 'food', 2.50, 'generated', 1000 FROM generate_series(1, %s) AS i",
            (GOODS,),
        )
        connection.execute(
            "INSERT INTO sales_history (customer_id, good_id, quantity, total_price, sale_date) "
            "SELECT 1 + i %% %s, 1 + i %% %s, 2, 5.00, timestamp '2024-01-01' + i * interval '1 minute' "
            "FROM generate_series(1, %s) AS i",
            (CUSTOMERS, GOODS, SALES),
        )


def main() -> None:
    port = localstack.free_port()
    with (
        postgres.server() as database,
        localstack.local_stack(port, localstack.ROOT / ".local" / f"bench-import-{port}") as stack,
    ):
        dsn = database.dsn()
        _generate(dsn)
        os.environ.update({**localstack.LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": stack.endpoint})
        outputs = stack.outputs
        tables = writer.Tables(
            customers=outputs["CustomersTableName"],
            inventory=outputs["InventoryTableName"],
            sales=outputs["SalesTableName"],
            reviews=outputs["ReviewsTableName"],
        )
        started = time.perf_counter()
        rows = source.read(dsn)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = run.run(
            rows,
            source_name="bench",
            tables=tables,
            employees=frozenset(),
            dry_run=False,
            console=Console(stderr=True, force_terminal=False),
        )
        elapsed = time.perf_counter() - started
        written = sum(counts.imported for counts in report.summary.values())
        print(f"import-original into MiniStack: {CUSTOMERS} customers, {GOODS} goods, {SALES} sales")
        print(f"  read from PostgreSQL in {read_seconds:.1f} s")
        print(f"  {written} rows written in {elapsed:.1f} s -> {written / elapsed:.0f} rows/s overall")
        print("  (customers: conditional TransactWriteItems of 100; goods and sales: BatchWriteItem of 25)")
        started = time.perf_counter()
        again = run.run(
            rows, source_name="bench", tables=tables, employees=frozenset(), dry_run=False, console=Console(stderr=True)
        )
        rerun = time.perf_counter() - started
        print(f"  a second run wrote {sum(c.imported for c in again.summary.values())} rows in {rerun:.1f} s")


if __name__ == "__main__":
    main()
