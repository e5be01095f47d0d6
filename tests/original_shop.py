"""A fixture shop in the original system's PostgreSQL schema, with every anomaly the importer must report.

The tables are created from tests/fixtures/original-schema.sql (the reconstructed DDL, foreign keys included);
the rows that break the foreign keys are inserted under `SET session_replication_role = replica`, which turns
off the FK triggers for that session (the CHECK on rating and UNIQUE username still hold, as they did in the
original). Passwords are real bcrypt hashes (cost 4) in the three prefixes the original's bcrypt could write.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import bcrypt
import psycopg
import pytest

from tests import postgres

SCHEMA = Path(__file__).resolve().parent / "fixtures" / "original-schema.sql"
PASSWORDS = {"alice": "alice-pass1", "bob": "bob-pass22", "carol": "carol-pass3", "henry": "henry-pass4"}
LONG_COMMENT = "Fine scarf. " * 90  # 1080 characters


def bcrypt_hash(password: str, prefix: str = "$2b$", cost: int = 4) -> str:
    # Same function for the three prefixes (the original's Python bcrypt wrote $2b$; PHP-era rows have $2y$).
    return prefix + bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()[4:]


def customers() -> list[tuple[object, ...]]:
    cost_16 = "$2b$16$" + bcrypt_hash("frank-pass6")[7:]
    # id, full_name, username, password, age, address, gender, marital_status, wallet_balance, role
    pw, d = bcrypt_hash, Decimal
    return [
        (1, "Alice A", "alice", pw(PASSWORDS["alice"]), 30, "1 Main St", "f", "single", d("120.50"), "customer"),
        (2, "Bob B", "bob", pw(PASSWORDS["bob"], "$2a$"), 41, "2 Main St", "m", "married", d(10), "emp"),
        (3, "Carol C", "carol", pw(PASSWORDS["carol"], "$2y$"), 25, "3 Main St", "f", "single", d("-15.25"), "emp"),
        (4, "Dave D", "dave", "hunter2", 52, "4 Main St", "m", "single", d("5.129"), "customer"),
        (5, "Bad Name", "x!", pw("whatever1"), 30, "5 Main St", "m", "single", d(1), "customer"),
        (6, "Erin E", "erin", pw("erin-pass5"), None, "", "f", "single", None, "admin"),
        (7, "Frank F", "frank", cost_16, 33, "7 Main St", "m", "single", d(3), "user"),
        (8, "Grace G", "grace", pw("grace-pass7"), 60, "8 Main St", "f", "widowed", d("99999999999"), "customer"),
        (9, "Henry H", "henry", pw(PASSWORDS["henry"]), 150, "9 Main St", "m", "single", d(40), "customer"),
    ]


def goods() -> list[tuple[object, ...]]:
    # id, name, category, price, description, count
    return [
        (1, "Espresso beans", "food", Decimal("12.50"), "1 kg, dark roast", 10),
        (2, "Green tea", "food", Decimal("3.333"), None, -4),
        (3, "Gadget", "toys", Decimal(20), "A gadget. " * 210, 2_000_000_000),
        (4, None, "food", Decimal(1), "nameless", 1),
        (5, "Freebie", "accessories", Decimal(0), "", 3),
        (6, "Scarf", "clothes", Decimal(15), "Wool", None),
    ]


def _at(day: int) -> datetime:
    return datetime(2024, 1, day, 12, 30, 15, 123456)


def sales() -> list[tuple[object, ...]]:
    # id, customer_id, good_id, quantity, total_price, sale_date
    return [
        (1, 1, 1, 2, Decimal("25.00"), _at(2)),
        (2, 1, 2, 3, Decimal("10.00"), _at(3)),
        (3, 999, 1, 1, Decimal("12.50"), _at(4)),  # FK: no customer 999
        (4, 1, 999, 1, Decimal("12.50"), _at(4)),  # FK: no good 999
        (5, 4, 1, -1, Decimal("-12.50"), _at(5)),
        (6, 1, 4, 1, Decimal(1), _at(6)),  # good 4 is skipped (no name)
        (7, 5, 1, 1, Decimal("12.50"), _at(6)),  # customer 5 is skipped (username)
        (8, 1, 1, 0, Decimal(0), _at(7)),
        (9, 1, 1, 1, Decimal("12.505"), _at(8)),
        (10, 1, 1, 1, Decimal("12.50"), None),
        (11, 9, 1, 1, Decimal("12.50"), _at(9)),
        (12, 2, 6, 1, None, _at(9)),
    ]


def reviews() -> list[tuple[object, ...]]:
    # id, customer_id, product_id, rating, comment, status, review_date
    return [
        (1, 1, 1, 5, "Great beans, fresh and aromatic", "approved", _at(10)),
        (2, 2, 1, 3, "Decent coffee overall", "approved", _at(10)),
        (3, 3, 1, 4, "Nice smooth taste", "pending", _at(11)),
        (4, 4, 1, 1, "", "pending", _at(11)),  # the job flags it: an extreme rating with no comment
        (5, 1, 2, 2, "Too weak for me", "approved", _at(12)),
        (6, 1, 2, 4, "Changed my mind, lovely tea", "pending", _at(13)),  # alice again: this one is kept
        (7, 6, 1, 2, "Rather ordinary beans", "rejected", _at(14)),
        (8, 999, 1, 3, "ghost", "approved", _at(14)),  # FK: no customer 999
        (9, 1, 999, 3, "ghost good", "approved", _at(14)),  # FK: no good 999
        (10, 1, 3, None, "no rating", "approved", _at(15)),
        (11, 7, 1, 1, "Terrible, awful batch", "flagged", _at(15)),
        (12, 1, 6, 3, LONG_COMMENT, "approved", _at(16)),
        (13, 9, 1, 5, "Fantastic beans, will buy again", "approved", _at(16)),
        (14, 2, 2, 4, "no date", "approved", None),
        (15, 5, 1, 4, "from a refused username", "approved", _at(16)),
        (16, 2, 4, 4, "about a nameless good", "approved", _at(16)),
    ]


ROWS = {
    "customers": (customers, 10),
    "inventory": (goods, 6),
    "sales_history": (sales, 6),
    "reviews": (reviews, 7),
}


def load(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(SCHEMA.read_text())  # our own fixture file
        with connection.transaction():
            connection.execute("SET LOCAL session_replication_role = replica")
            for table, (rows, width) in ROWS.items():
                placeholders = ", ".join(["%s"] * width)
                with connection.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows())  # noqa: S608
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server]:
    with postgres.server() as server:
        yield server


_databases = itertools.count()


@pytest.fixture
def original_dsn(postgres_server: postgres.Server) -> str:
    """A fresh database holding the fixture shop."""
    name = f"original_{next(_databases)}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    dsn = postgres_server.dsn(name)
    load(dsn)
    return dsn
