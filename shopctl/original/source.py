"""Reading the original system's four tables (`../shared/original-schema.sql`) from PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo


@dataclass(frozen=True)
class CustomerRow:
    id: int
    full_name: str | None
    username: str | None
    password: str | None
    age: int | None
    address: str | None
    gender: str | None
    marital_status: str | None
    wallet_balance: Decimal | None
    role: str | None


@dataclass(frozen=True)
class GoodRow:
    id: int
    name: str | None
    category: str | None
    price: Decimal | None
    description: str | None
    count: int | None


@dataclass(frozen=True)
class SaleRow:
    id: int
    customer_id: int | None
    good_id: int | None
    quantity: int | None
    total_price: Decimal | None
    sale_date: datetime | None


@dataclass(frozen=True)
class ReviewRow:
    id: int
    customer_id: int | None
    product_id: int | None
    rating: int | None
    comment: str | None
    status: str | None
    review_date: datetime | None


@dataclass
class Source:
    customers: list[CustomerRow] = field(default_factory=list)
    goods: list[GoodRow] = field(default_factory=list)
    sales: list[SaleRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)


# Columns named explicitly (the original's code reads SELECT * by position; we do not depend on the order).
_QUERIES: dict[str, tuple[str, type[Any]]] = {
    "customers": (
        "SELECT id, full_name, username, password, age, address, gender, marital_status, wallet_balance, role "
        "FROM customers ORDER BY id",
        CustomerRow,
    ),
    "goods": ("SELECT id, name, category, price, description, count FROM inventory ORDER BY id", GoodRow),
    "sales": (
        "SELECT id, customer_id, good_id, quantity, total_price, sale_date FROM sales_history ORDER BY id",
        SaleRow,
    ),
    "reviews": (
        "SELECT id, customer_id, product_id, rating, comment, status, review_date FROM reviews ORDER BY id",
        ReviewRow,
    ),
}


def read(dsn: str) -> Source:
    """Every row of the four tables, read in one REPEATABLE READ snapshot so references agree with each other."""
    source = Source()
    with psycopg.connect(dsn, autocommit=False) as connection:
        connection.read_only = True
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with connection.cursor() as cursor:
            for name, (query, row_type) in _QUERIES.items():
                cursor.execute(query)  # the queries are constants above
                getattr(source, name).extend(row_type(*row) for row in cursor)
    return source


def redacted(dsn: str) -> str:
    """The DSN as it may appear in a report: no password."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparseable dsn>"
    if "password" in params:
        params["password"] = "***"
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})
