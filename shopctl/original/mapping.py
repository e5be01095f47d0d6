"""The original system's rows as this system's items, and the rule for every anomaly the original let in.

Pure functions, no I/O: given the source rows it returns the items to write and the anomalies found. Every
rule is one of: skip the row (and whatever points at it), import as-is with a flag, or clamp/round with a flag.
Nothing is changed without an anomaly in the report; RULES below is the documented list (also in the README).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from reviews_api import review_rules
from shop_shared import auth
from shop_shared.data.goods import stored_good
from shop_shared.data.reviews import new_revision, review_id_for
from shop_shared.models.common import MONEY_MAX
from shop_shared.models.goods import MAX_STOCK
from shopctl.original.source import CustomerRow, GoodRow, ReviewRow, SaleRow, Source

Item = dict[str, Any]

# Fixed forever: a re-run must map each original id to the same new id (that is what makes it idempotent).
ID_NAMESPACE = uuid.UUID("3f6a1c52-9d0e-4b7a-8e21-5c4d7f90a1b3")
CENT = Decimal("0.01")
USERNAME = re.compile(r"^[A-Za-z0-9_]{3,50}$")
# bcrypt as shop_shared.auth.check_password verifies it: the $2a$/$2b$/$2y$ variants, a 22-char salt and 31-char
# hash. $2x$ (crypt_blowfish's buggy variant) and $2$ are not the same function for every password.
BCRYPT_HASH = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
# A login runs one bcrypt check inside a Lambda; past this cost it would take seconds (cost 15 ~ 3 s).
MAX_BCRYPT_COST = 14
MIN_BCRYPT_COST = 4
CATEGORIES = frozenset({"food", "clothes", "accessories", "electronics"})
REVIEW_STATUSES = frozenset({"pending", "approved", "flagged"})
CUSTOMER_ROLES = frozenset({"customer", "user"})  # the report says "user" was the default; the code used "customer"
ORIGINAL_ID = "original_id"  # kept on every imported item: where it came from, and how a re-run recognises it

SKIP = "skipped"
AS_IS = "imported as-is"
CLAMPED = "imported, value changed"
NOTE = "reported"

# rule -> (table, action, what it means). The README's table is this list.
RULES: dict[str, tuple[str, str, str]] = {
    "username_refused": ("customers", SKIP, "username missing or not 3-50 letters, digits or _"),
    "username_taken": (
        "customers",
        SKIP,
        "the username already exists in this system and was not imported from this row (a live account or a "
        "deleted account's tombstone); its sales and reviews are skipped too",
    ),
    "wallet_out_of_range": ("customers", SKIP, "wallet beyond +/- 9,999,999,999.99"),
    "password_unusable": (
        "customers",
        CLAMPED,
        "password column is not a bcrypt hash login can check ($2a$/$2b$/$2y$, cost 4-14): the account gets a "
        "random unknown password (password_reset_required) and must be reset by an employee",
    ),
    "profile_field_refused": ("customers", AS_IS, "full_name/age/address/gender/marital_status outside the new rules"),
    "profile_field_missing": ("customers", CLAMPED, "NULL profile field stored as '' (text) or 0 (age)"),
    "wallet_negative": ("customers", AS_IS, "negative wallet (the original's races): kept, purchases refused"),
    "wallet_sub_cent": ("customers", CLAMPED, "wallet with more than 2 decimals: rounded down to the cent"),
    "wallet_missing": ("customers", CLAMPED, "NULL wallet stored as 0"),
    "emp_not_named": ("customers", CLAMPED, "role emp but not named in --employees: imported as a customer"),
    "role_unknown": ("customers", CLAMPED, "role neither customer/user nor emp: imported as a customer"),
    "employee_not_found": ("customers", NOTE, "a name given in --employees is not an imported account"),
    "good_name_missing": ("goods", SKIP, "name NULL or blank; its sales and reviews are skipped too"),
    "price_refused": ("goods", SKIP, "price NULL, <= 0 or too large; its sales and reviews are skipped too"),
    "price_sub_cent": ("goods", CLAMPED, "price with more than 2 decimals: rounded half-up to the cent"),
    "category_refused": ("goods", AS_IS, "category not food/clothes/accessories/electronics"),
    "description_too_long": ("goods", AS_IS, "description longer than 2000 characters"),
    "negative_stock": ("goods", CLAMPED, "negative stock (oversold): stored as 0, the original count reported"),
    "stock_missing": ("goods", CLAMPED, "NULL stock stored as 0"),
    "stock_out_of_range": ("goods", CLAMPED, "stock above 1,000,000,000: stored as 1,000,000,000"),
    "sale_customer_missing": ("sales", SKIP, "customer_id NULL or no such customer (broken foreign key)"),
    "sale_good_missing": ("sales", SKIP, "good_id NULL or no such good (broken foreign key)"),
    "sale_customer_not_imported": ("sales", SKIP, "its customer was skipped"),
    "sale_good_not_imported": ("sales", SKIP, "its good was skipped"),
    "sale_quantity_refused": ("sales", SKIP, "quantity NULL or 0"),
    "sale_negative_quantity": ("sales", AS_IS, "negative quantity (a refund the original allowed)"),
    "sale_total_refused": ("sales", SKIP, "total_price NULL or beyond +/- 9,999,999,999.99"),
    "sale_total_sub_cent": ("sales", CLAMPED, "total with more than 2 decimals: rounded half-up to the cent"),
    "unit_price_inexact": ("sales", CLAMPED, "total / quantity not exact to the cent: unit_price rounded half-up"),
    "sale_date_missing": ("sales", SKIP, "sale_date NULL (history is ordered by it)"),
    "review_customer_missing": ("reviews", SKIP, "customer_id NULL or no such customer (broken foreign key)"),
    "review_good_missing": ("reviews", SKIP, "product_id NULL or no such good (broken foreign key)"),
    "review_customer_not_imported": ("reviews", SKIP, "its customer was skipped"),
    "review_good_not_imported": ("reviews", SKIP, "its good was skipped"),
    "rating_refused": ("reviews", SKIP, "rating NULL or outside 1-5"),
    "review_date_missing": ("reviews", SKIP, "review_date NULL (lists are ordered by it)"),
    "duplicate_review": (
        "reviews",
        SKIP,
        "another review of the same good by the same customer (one each here): the newest is kept",
    ),
    "review_status_refused": ("reviews", CLAMPED, "status not pending/approved/flagged: imported as pending"),
    "comment_too_long": ("reviews", AS_IS, "comment longer than 1000 characters"),
}


@dataclass(frozen=True)
class Anomaly:
    rule: str
    table: str
    original_id: int | None
    action: str
    detail: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Row:
    """One item to write, with its key and the flags (rules) that changed or marked it."""

    original_id: int
    key: Item
    item: Item
    flags: list[str] = field(default_factory=list)
    username: str | None = None


@dataclass
class TablePlan:
    read: int = 0
    rows: list[Row] = field(default_factory=list)
    skipped: int = 0


@dataclass
class ExpectedRating:
    good_id: str
    original_id: int
    name: str
    approved_count: int  # approved in the original
    rating_count: int  # once the job has judged the pending ones
    rating_sum: int

    @property
    def rating_avg(self) -> Decimal:
        if not self.rating_count:
            return Decimal(0)
        return (Decimal(self.rating_sum) / self.rating_count).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Plan:
    tables: dict[str, TablePlan]
    anomalies: list[Anomaly]
    good_ids: dict[int, str]

    def flag(self, rule: str, original_id: int | None, detail: str) -> None:
        table, action, _ = RULES[rule]
        self.anomalies.append(Anomaly(rule, table, original_id, action, detail))
        if action == SKIP:
            self.tables[table].skipped += 1


def good_id_for(original_id: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"inventory/{original_id}"))


def sale_id_for(original_id: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"sales_history/{original_id}"))


def timestamp(value: datetime) -> str:
    """As models.common.utc_now formats; the original's TIMESTAMP has no zone and is taken as UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def usable_bcrypt(password: str | None) -> bool:
    match = BCRYPT_HASH.match(password or "")
    return match is not None and MIN_BCRYPT_COST <= int(match.group(1)) <= MAX_BCRYPT_COST


def plan(source: Source, employees: frozenset[str], now: str) -> Plan:
    tables = {name: TablePlan() for name in ("customers", "goods", "sales", "reviews")}
    result = Plan(tables=tables, anomalies=[], good_ids={})
    usernames = _plan_customers(result, source.customers, employees, now)
    names = _plan_goods(result, source.goods, now)
    _plan_sales(result, source.sales, usernames, names)
    _plan_reviews(result, source.reviews, usernames)
    return result


def _text(value: str | None, limit: int) -> tuple[str, str | None]:
    """The stored text and the rule it breaks, if any."""
    if value is None:
        return "", "profile_field_missing"
    if not value.strip() or len(value) > limit:
        return value, "profile_field_refused"
    return value, None


def _plan_customers(result: Plan, rows: list[CustomerRow], employees: frozenset[str], now: str) -> dict[int, str]:
    """Returns original customer id -> username of every customer that will be imported."""
    table = result.tables["customers"]
    table.read = len(rows)
    imported: dict[int, str] = {}
    for row in rows:
        if row.username is None or not USERNAME.match(row.username):
            result.flag("username_refused", row.id, f"username {row.username!r}")
            continue
        wallet = row.wallet_balance
        if wallet is not None and abs(wallet) > MONEY_MAX:
            result.flag("wallet_out_of_range", row.id, f"{row.username}: wallet {wallet}")
            continue
        profile, flags = _profile(row)
        wallet, wallet_flags = _wallet(row, wallet)
        flags += wallet_flags
        role = auth.CUSTOMER
        if row.username in employees:
            role = auth.EMPLOYEE
        elif row.role == auth.EMPLOYEE:
            flags.append(("emp_not_named", f"{row.username}: role emp in the original"))
        elif row.role not in CUSTOMER_ROLES:
            flags.append(("role_unknown", f"{row.username}: role {row.role!r}"))
        item = customer_item(row, profile, wallet, role, now)
        if "password_reset_required" in item:
            flags.append(("password_unusable", f"{row.username}: {_describe_password(row.password)}"))
        for rule, detail in flags:
            result.flag(rule, row.id, detail)
        table.rows.append(Row(row.id, {"username": row.username}, item, [r for r, _ in flags], row.username))
        imported[row.id] = row.username
    for name in sorted(employees - set(imported.values())):
        result.flag("employee_not_found", None, f"--employees names {name!r}, which is not an imported account")
    return imported


def _profile(row: CustomerRow) -> tuple[Item, list[tuple[str, str]]]:
    """The profile fields as stored, and the rules they break."""
    flags: list[tuple[str, str]] = []
    profile: Item = {}
    for name, limit in (("full_name", 100), ("address", 200), ("gender", 20), ("marital_status", 20)):
        profile[name], broken = _text(getattr(row, name), limit)
        if broken:
            flags.append((broken, f"{row.username}: {name} {getattr(row, name)!r}"))
    if row.age is None:
        profile["age"] = 0
        flags.append(("profile_field_missing", f"{row.username}: age NULL"))
    else:
        profile["age"] = row.age
        if not 1 <= row.age <= 120:
            flags.append(("profile_field_refused", f"{row.username}: age {row.age}"))
    return profile, flags


def _wallet(row: CustomerRow, wallet: Decimal | None) -> tuple[Decimal, list[tuple[str, str]]]:
    flags: list[tuple[str, str]] = []
    if wallet is None:
        wallet = Decimal(0)
        flags.append(("wallet_missing", f"{row.username}: wallet NULL"))
    elif wallet != wallet.quantize(CENT, rounding=ROUND_DOWN):
        rounded = wallet.quantize(CENT, rounding=ROUND_DOWN)
        flags.append(("wallet_sub_cent", f"{row.username}: wallet {wallet} stored as {rounded}"))
        wallet = rounded
    else:
        wallet = wallet.quantize(CENT)
    if wallet < 0:
        flags.append(("wallet_negative", f"{row.username}: wallet {wallet}"))
    return wallet, flags


def _describe_password(password: str | None) -> str:
    """What is wrong with a password column, without ever showing it."""
    if not password:
        return "no password"
    if password.startswith("$2") and len(password) > 6:
        return f"bcrypt variant/cost {password[:6]!r} not supported"
    return "not a bcrypt hash"


def customer_item(row: CustomerRow, profile: Item, wallet: Decimal, role: str, now: str) -> Item:
    """An imported account as stored: the original bcrypt hash verbatim, so the same password logs in."""
    item: Item = {
        "username": row.username,
        **profile,
        "wallet_balance": wallet,
        "role": role,
        "created_at": now,
        ORIGINAL_ID: row.id,
    }
    if usable_bcrypt(row.password):
        item["password_hash"] = row.password
    else:
        # Nobody knows this password, so login answers 401 as for a wrong one until an employee sets a new one.
        item["password_hash"] = auth.hash_password(secrets.token_urlsafe(32))
        item["password_reset_required"] = True
    return item


def _plan_goods(result: Plan, rows: list[GoodRow], now: str) -> dict[int, str]:
    """Returns original good id -> name of every good that will be imported."""
    table = result.tables["goods"]
    table.read = len(rows)
    imported: dict[int, str] = {}
    for row in rows:
        refusal = _good_refusal(row)
        if refusal is not None:
            result.flag(refusal[0], row.id, refusal[1])
            continue
        assert row.name is not None  # refused above otherwise
        assert row.price is not None
        flags: list[tuple[str, str]] = []
        price = row.price.quantize(CENT, rounding=ROUND_HALF_UP)
        if price != row.price:
            flags.append(("price_sub_cent", f"{row.name}: price {row.price} stored as {price}"))
        if row.category not in CATEGORIES:
            flags.append(("category_refused", f"{row.name}: category {row.category!r}"))
        description = row.description or ""
        if len(description) > 2000:
            flags.append(("description_too_long", f"{row.name}: {len(description)} characters"))
        count = _stock(row, flags)
        good_id = good_id_for(row.id)
        item = good_item(good_id, row, price=price, description=description, count=count, now=now)
        for rule, detail in flags:
            result.flag(rule, row.id, detail)
        table.rows.append(Row(row.id, {"id": good_id}, item, [r for r, _ in flags]))
        imported[row.id] = row.name
        result.good_ids[row.id] = good_id
    return imported


def _good_refusal(row: GoodRow) -> tuple[str, str] | None:
    """Why a good cannot be imported at all (rule, detail), or None."""
    if row.name is None or not row.name.strip():
        return "good_name_missing", f"name {row.name!r}"
    if row.price is None or row.price <= 0 or row.price > MONEY_MAX:
        return "price_refused", f"{row.name}: price {row.price}"
    return None


def _stock(row: GoodRow, flags: list[tuple[str, str]]) -> int:
    """The count a good is imported with, clamped into what the API accepts; each correction is flagged."""
    count = row.count
    if count is None:
        flags.append(("stock_missing", f"{row.name}: count NULL"))
        return 0
    if count < 0:
        flags.append(("negative_stock", f"{row.name}: count {count} stored as 0"))
        return 0
    if count > MAX_STOCK:
        flags.append(("stock_out_of_range", f"{row.name}: count {count} stored as {MAX_STOCK}"))
        return MAX_STOCK
    return count


def good_item(good_id: str, row: GoodRow, *, price: Decimal, description: str, count: int, now: str) -> Item:
    # The rating aggregate starts empty; the moderation job builds it from the imported reviews' stream records.
    return stored_good(
        {
            "id": good_id,
            "name": row.name,
            "category": row.category,
            "price": price,
            "description": description,
            "count": count,
            "created_at": now,
            "updated_at": now,
            ORIGINAL_ID: row.id,
        }
    )


def _plan_sales(result: Plan, rows: list[SaleRow], usernames: dict[int, str], goods: dict[int, str]) -> None:
    table = result.tables["sales"]
    table.read = len(rows)
    customer_ids = {row.original_id for row in _all_customers(result)}
    good_ids = set(result.good_ids) | _skipped_ids(result, "goods")
    customer_ids |= _skipped_ids(result, "customers")
    known = _Known(customer_ids, good_ids, usernames, goods)
    for row in rows:
        reference = _reference_problem("sale", row.customer_id, row.good_id, known)
        if reference:
            result.flag(reference, row.id, f"customer_id {row.customer_id}, good_id {row.good_id}")
            continue
        assert row.customer_id is not None  # checked just above
        assert row.good_id is not None
        if not row.quantity:
            result.flag("sale_quantity_refused", row.id, f"quantity {row.quantity}")
            continue
        if row.total_price is None or abs(row.total_price) > MONEY_MAX:
            result.flag("sale_total_refused", row.id, f"total_price {row.total_price}")
            continue
        if row.sale_date is None:
            result.flag("sale_date_missing", row.id, "sale_date NULL")
            continue
        flags: list[tuple[str, str]] = []
        if row.quantity < 0:
            flags.append(("sale_negative_quantity", f"quantity {row.quantity}"))
        total = row.total_price.quantize(CENT, rounding=ROUND_HALF_UP)
        if total != row.total_price:
            flags.append(("sale_total_sub_cent", f"total {row.total_price} stored as {total}"))
        exact = total / row.quantity
        unit_price = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        if unit_price != exact:
            flags.append(("unit_price_inexact", f"{total} / {row.quantity} stored as unit_price {unit_price}"))
        sale_id = sale_id_for(row.id)
        item = sale_item(
            sale_id,
            username=usernames[row.customer_id],
            good_id=result.good_ids[row.good_id],
            good_name=goods[row.good_id],
            quantity=row.quantity,
            unit_price=unit_price,
            total=total,
            sale_date=timestamp(row.sale_date),
            original_id=row.id,
        )
        for rule, detail in flags:
            result.flag(rule, row.id, detail)
        table.rows.append(Row(row.id, {"sale_id": sale_id}, item, [r for r, _ in flags], item["username"]))


def sale_item(
    sale_id: str,
    *,
    username: str,
    good_id: str,
    good_name: str,
    quantity: int,
    unit_price: Decimal,
    total: Decimal,
    sale_date: str,
    original_id: int,
) -> Item:
    # The original kept no name snapshot nor balance after the sale: good_name is the good's name at import,
    # remaining_balance is not known, and there is no request_fingerprint (no Idempotency-Key ever made it).
    return {
        "sale_id": sale_id,
        "username": username,
        "good_id": good_id,
        "good_name": good_name,
        "quantity": quantity,
        "unit_price": unit_price,
        "total_price": total,
        "sale_date": sale_date,
        ORIGINAL_ID: original_id,
    }


def _all_customers(result: Plan) -> list[Row]:
    return result.tables["customers"].rows


def _skipped_ids(result: Plan, table: str) -> set[int]:
    return {
        a.original_id for a in result.anomalies if a.table == table and a.action == SKIP and a.original_id is not None
    }


@dataclass(frozen=True)
class _Known:
    """Which original ids exist in the source, and which of them are imported."""

    customer_ids: set[int]
    good_ids: set[int]
    usernames: dict[int, str]
    goods: dict[int, str]


def _reference_problem(prefix: str, customer_id: int | None, good_id: int | None, known: _Known) -> str | None:
    customer_ids, good_ids, usernames, goods = known.customer_ids, known.good_ids, known.usernames, known.goods
    if customer_id is None or customer_id not in customer_ids:
        return f"{prefix}_customer_missing"
    if good_id is None or good_id not in good_ids:
        return f"{prefix}_good_missing"
    if customer_id not in usernames:
        return f"{prefix}_customer_not_imported"
    if good_id not in goods:
        return f"{prefix}_good_not_imported"
    return None


def _plan_reviews(result: Plan, rows: list[ReviewRow], usernames: dict[int, str]) -> None:
    table = result.tables["reviews"]
    table.read = len(rows)
    customer_ids = {row.original_id for row in _all_customers(result)} | _skipped_ids(result, "customers")
    good_ids = set(result.good_ids) | _skipped_ids(result, "goods")
    known = _Known(customer_ids, good_ids, usernames, dict.fromkeys(result.good_ids, ""))
    candidates: dict[tuple[int, int], list[ReviewRow]] = defaultdict(list)
    for row in rows:
        refusal = _review_refusal(row, known)
        if refusal is not None:
            result.flag(refusal[0], row.id, refusal[1])
            continue
        assert row.customer_id is not None  # refused above otherwise
        assert row.product_id is not None
        candidates[(row.customer_id, row.product_id)].append(row)
    for (customer_id, product_id), reviews in candidates.items():
        newest = _newest_review(result, reviews, usernames[customer_id], product_id)
        flags: list[tuple[str, str]] = []
        status = newest.status
        if status not in REVIEW_STATUSES:
            flags.append(("review_status_refused", f"status {status!r} imported as pending"))
            status = "pending"
        comment = newest.comment or ""
        if len(comment) > 1000:
            flags.append(("comment_too_long", f"{len(comment)} characters"))
        good_id = result.good_ids[product_id]
        username = usernames[customer_id]
        item = review_item(good_id, username, newest, status, comment)
        for rule, detail in flags:
            result.flag(rule, newest.id, detail)
        table.rows.append(Row(newest.id, {"review_id": item["review_id"]}, item, [r for r, _ in flags], username))
    table.rows.sort(key=lambda r: r.original_id)


def _review_refusal(row: ReviewRow, known: _Known) -> tuple[str, str] | None:
    """Why a review cannot be imported at all (rule, detail), or None."""
    reference = _reference_problem("review", row.customer_id, row.product_id, known)
    if reference:
        return reference, f"customer_id {row.customer_id}, product_id {row.product_id}"
    if row.rating is None or not 1 <= row.rating <= 5:
        return "rating_refused", f"rating {row.rating}"
    if row.review_date is None:
        return "review_date_missing", "review_date NULL"
    return None


def _newest_review(result: Plan, reviews: list[ReviewRow], username: str, product_id: int) -> ReviewRow:
    """One review per customer and good is kept, the newest; the others are flagged as duplicates."""
    # review_date is not None here (refused otherwise); the id breaks ties deterministically.
    newest = max(reviews, key=lambda r: (r.review_date or datetime.min, r.id))
    for older in reviews:
        if older is not newest:
            result.flag(
                "duplicate_review",
                older.id,
                f"{username} reviewed good {product_id} again in review {newest.id}, which is kept",
            )
    return newest


def review_item(good_id: str, username: str, row: ReviewRow, status: str, comment: str) -> Item:
    """An imported review as data/reviews.py documents it, written once like a submission (version 1, a fresh
    revision): the moderation job sees its INSERT and counts it (approved) or judges it (pending)."""
    assert row.rating is not None  # the caller filtered these
    assert row.review_date is not None
    date = timestamp(row.review_date)
    return {
        "review_id": review_id_for(good_id, username),
        "product_id": good_id,
        "username": username,
        "rating": row.rating,
        "comment": comment,
        "status": status,
        "review_date": date,
        "updated_at": date,
        "version": 1,
        "revision": new_revision(),
        ORIGINAL_ID: row.id,
    }


def drop_taken_usernames(result: Plan, taken: dict[str, int]) -> None:
    """Skip customers whose username this system already has for someone else, and their sales and reviews.

    `taken` maps username -> original id of the customer row it was found for.
    """
    if not taken:
        return
    for name in ("customers", "sales", "reviews"):
        table = result.tables[name]
        kept = []
        for row in table.rows:
            if row.username in taken:
                rule = "username_taken" if name == "customers" else f"{name[:-1]}_customer_not_imported"
                result.flag(rule, row.original_id, f"{row.username} already exists in this system")
            else:
                kept.append(row)
        table.rows = kept


def expected_ratings(result: Plan) -> list[ExpectedRating]:
    """What the moderation job should reach for each good with reviews: approved ones counted, pending ones as
    the automatic rules will judge them (flagged ones never count)."""
    names = {row.item["id"]: (row.original_id, str(row.item["name"])) for row in result.tables["goods"].rows}
    expected: dict[str, ExpectedRating] = {}
    for row in result.tables["reviews"].rows:
        good_id = str(row.item["product_id"])
        original_id, name = names[good_id]
        entry = expected.setdefault(good_id, ExpectedRating(good_id, original_id, name, 0, 0, 0))
        status = row.item["status"]
        rating = int(row.item["rating"])
        if status == "pending":
            status = review_rules.evaluate(rating, str(row.item["comment"])).status
        elif status == "approved":
            entry.approved_count += 1
        if status == "approved":
            entry.rating_count += 1
            entry.rating_sum += rating
    return sorted(expected.values(), key=lambda e: e.original_id)
