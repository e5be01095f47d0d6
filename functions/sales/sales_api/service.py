"""Shop window, purchases and purchase history: the rules between the sales routes and the tables."""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from decimal import Decimal

from aws_lambda_powertools.metrics import MetricUnit

from shop_shared import auth
from shop_shared.data import goods as goods_table
from shop_shared.data import sales as sales_table
from shop_shared.data.goods import GoodItem
from shop_shared.data.sales import SaleItem
from shop_shared.errors import (
    CustomerNotFound,
    GoodNotFound,
    HighDemand,
    IdempotencyKeyReused,
    InsufficientFunds,
    InsufficientStock,
    InvalidNextToken,
    NotYourAccount,
    PurchaseUnconfirmed,
    raises,
)
from shop_shared.models.common import MONEY_MAX, PageOf, utc_now
from shop_shared.models.goods import GoodDetails, GoodSummary
from shop_shared.models.sales import Sale, SaleRecord, SellRequest
from shop_shared.observability import logger, metrics

# Fixed forever: changing it would give a replayed Idempotency-Key a new sale id and charge it twice.
_SALE_ID_NAMESPACE = uuid.UUID("6c1d3f0e-8a57-4b8e-9d5c-2f0e7b1a9c44")
# Another attempt is taken only when another writer changed this good's price or stock case, or this customer's
# wallet, between our read and our write: each lost round means some other request committed, so one
# customer's N parallel purchases all settle within about N attempts. Past this many the answer is 503.
MAX_ATTEMPTS = 25
# Upper bound of the random pause before another attempt, so rivals that collided do not collide again.
_MAX_BACKOFF_SECONDS = 0.02


@raises(InvalidNextToken)
def display_goods(limit: int, next_token: str | None) -> PageOf[GoodSummary]:
    page = goods_table.in_stock_page(limit, next_token)
    return PageOf[GoodSummary](items=[GoodSummary.model_validate(i) for i in page.items], next_token=page.next_token)


@raises(GoodNotFound)
def get_good(good_id: str) -> GoodDetails:
    return GoodDetails.model_validate(goods_table.get(good_id))


@raises(NotYourAccount, InvalidNextToken)
def history(principal: auth.Principal, username: str, limit: int, next_token: str | None) -> PageOf[SaleRecord]:
    auth.require_self_or_employee(principal, username)
    page = sales_table.history_page(username, limit, next_token)
    return PageOf[SaleRecord](items=[SaleRecord.model_validate(i) for i in page.items], next_token=page.next_token)


def _fingerprint(request: SellRequest) -> str:
    canonical = json.dumps({"good_id": request.good_id, "quantity": request.quantity}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _sale_id(username: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return str(uuid.uuid4())
    # Scoped by username, so two customers who happen to pick the same key never meet.
    return str(uuid.uuid5(_SALE_ID_NAMESPACE, f"{username}\n{idempotency_key}"))


def _replay(stored: SaleItem, username: str, fingerprint: str) -> Sale:
    if stored.get("username") != username or stored.get("request_fingerprint") != fingerprint:
        raise IdempotencyKeyReused()
    metrics.add_metric(name="SaleReplayed", unit=MetricUnit.Count, value=1)
    return Sale.model_validate(stored)


@raises(
    GoodNotFound,
    CustomerNotFound,
    InsufficientStock,
    InsufficientFunds,
    IdempotencyKeyReused,
    HighDemand,
    PurchaseUnconfirmed,
)
def sell(principal: auth.Principal, request: SellRequest, idempotency_key: str | None) -> Sale:
    """Buy `quantity` of a good for the caller: 2 DynamoDB round trips on the happy path, 1 for a replay.

    Round trip 1 (BatchGetItem, consistent) reads the good (price and name to snapshot), the wallet balance and,
    with an Idempotency-Key, the sale that key may already have produced. Round trip 2 is the transaction.
    """
    username = principal.username
    fingerprint = _fingerprint(request)
    sale_id = _sale_id(username, idempotency_key)
    seen = sales_table.read_for_purchase(request.good_id, username, sale_id if idempotency_key is not None else None)
    if seen.sale is not None:
        return _replay(seen.sale, username, fingerprint)
    for attempt in range(MAX_ATTEMPTS):
        good, balance = _purchasable(request, seen)
        sale = _sale_record(request, good, balance, sale_id=sale_id, username=username, fingerprint=fingerprint)
        _refuse_unaffordable(sale["total_price"], balance)
        try:
            sales_table.record_purchase(sale, seen_good=good, seen_balance=balance, attempt=attempt)
        except sales_table.PurchaseCancelled as cancelled:
            if cancelled.sale.failed:
                return _replay_the_winner(cancelled, request, username, sale_id, fingerprint)
            seen = sales_table.snapshot_after(seen, cancelled)
            logger.info("purchase retried", extra={"attempt": attempt, "transient": cancelled.transient})
            time.sleep(random.uniform(0, _MAX_BACKOFF_SECONDS))  # noqa: S311 - jitter, not a secret
            continue
        metrics.add_metric(name="Sale", unit=MetricUnit.Count, value=1)
        return Sale.model_validate(sale)
    raise HighDemand()


def _purchasable(request: SellRequest, seen: sales_table.PurchaseSnapshot) -> tuple[GoodItem, Decimal]:
    """The good and balance to price the purchase with, or the 404/409 the snapshot already proves.

    Checked (with `_refuse_unaffordable`) before writing, so an obviously failing purchase costs one round trip
    and writes nothing.
    """
    good, balance = seen.good, seen.wallet_balance
    if good is None:
        raise GoodNotFound()
    if balance is None:
        raise CustomerNotFound()
    if good["count"] < request.quantity:
        raise InsufficientStock()
    return good, balance


def _refuse_unaffordable(total: Decimal, balance: Decimal) -> None:
    # A total beyond the largest amount a wallet may hold can never be paid; refusing it here also means no
    # sale is ever committed with a total the response could not express.
    if balance < total or total > MONEY_MAX:
        raise InsufficientFunds()


def _sale_record(
    request: SellRequest, good: GoodItem, balance: Decimal, *, sale_id: str, username: str, fingerprint: str
) -> SaleItem:
    unit_price = Decimal(good["price"])
    total = unit_price * request.quantity
    return SaleItem(
        sale_id=sale_id,
        username=username,
        good_id=request.good_id,
        good_name=good["name"],
        quantity=request.quantity,
        unit_price=unit_price,
        total_price=total,
        remaining_balance=balance - total,
        sale_date=utc_now(),
        request_fingerprint=fingerprint,
    )


def _replay_the_winner(
    cancelled: sales_table.PurchaseCancelled, request: SellRequest, username: str, sale_id: str, fingerprint: str
) -> Sale:
    """A concurrent request with the same Idempotency-Key committed first: answer with its sale."""
    stored = cancelled.existing_sale
    if stored is None:
        stored = sales_table.read_for_purchase(request.good_id, username, sale_id).sale
    if stored is None:  # the winner's sale vanished again: nothing a client can act on but a retry
        raise PurchaseUnconfirmed()
    return _replay(stored, username, fingerprint)
