"""Shop window, purchases and purchase history: the rules between the sales routes and the tables."""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal

from aws_lambda_powertools.metrics import MetricUnit

from shop_shared import auth
from shop_shared.data import goods as goods_table
from shop_shared.data import sales as sales_table
from shop_shared.data.dynamo import Item
from shop_shared.errors import Conflict, NotFound, ServiceUnavailable
from shop_shared.models.common import PageOf, utc_now
from shop_shared.models.goods import GoodDetails, GoodSummary
from shop_shared.models.sales import Sale, SaleRecord, SellRequest
from shop_shared.observability import logger, metrics

# Fixed forever: changing it would give a replayed Idempotency-Key a new sale id and charge it twice.
_SALE_ID_NAMESPACE = uuid.UUID("6c1d3f0e-8a57-4b8e-9d5c-2f0e7b1a9c44")
# Each extra attempt is one more TransactWriteItems call, taken only when another writer changed the good's
# price or this customer's wallet between our read and our write.
MAX_ATTEMPTS = 3


def display_goods(limit: int, next_token: str | None) -> PageOf[GoodSummary]:
    page = goods_table.in_stock_page(limit, next_token)
    return PageOf[GoodSummary](items=[GoodSummary.model_validate(i) for i in page.items], next_token=page.next_token)


def get_good(good_id: str) -> GoodDetails:
    return GoodDetails.model_validate(goods_table.get(good_id))


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


def _replay(stored: Item, username: str, fingerprint: str) -> Sale:
    if stored.get("username") != username or stored.get("request_fingerprint") != fingerprint:
        raise Conflict("Idempotency-Key was already used for a different purchase", code="IDEMPOTENCY_KEY_REUSED")
    metrics.add_metric(name="SaleReplayed", unit=MetricUnit.Count, value=1)
    return Sale.model_validate(stored)


def sell(principal: auth.Principal, request: SellRequest, idempotency_key: str | None) -> Sale:
    """Buy `quantity` of a good for the caller: 2 DynamoDB round trips on the happy path, 1 for a replay.

    Round trip 1 (BatchGetItem, consistent) reads the good (price and name to snapshot), the wallet balance and,
    with an Idempotency-Key, the sale that key may already have produced. Round trip 2 is the transaction.
    """
    username = principal.username
    fingerprint = _fingerprint(request)
    sale_id = _sale_id(username, idempotency_key)
    snapshot = sales_table.read_for_purchase(
        request.good_id, username, sale_id if idempotency_key is not None else None
    )
    if snapshot.sale is not None:
        return _replay(snapshot.sale, username, fingerprint)

    good, balance = snapshot.good, snapshot.wallet_balance
    for attempt in range(MAX_ATTEMPTS):
        if good is None:
            raise NotFound("Good not found")
        if balance is None:
            raise NotFound("Customer not found")
        # Checked here too so an obviously failing purchase costs one round trip and writes nothing.
        if good["count"] < request.quantity:
            raise Conflict("Insufficient stock", code="INSUFFICIENT_STOCK")
        unit_price = Decimal(good["price"])
        total = unit_price * request.quantity
        if balance < total:
            raise Conflict("Insufficient funds", code="INSUFFICIENT_FUNDS")
        sale: Item = {
            "sale_id": sale_id,
            "username": username,
            "good_id": request.good_id,
            "good_name": good["name"],
            "quantity": request.quantity,
            "unit_price": unit_price,
            "total_price": total,
            "remaining_balance": balance - total,
            "sale_date": utc_now(),
            "request_fingerprint": fingerprint,
        }
        try:
            sales_table.record_purchase(sale, seen_price=unit_price, seen_balance=balance, attempt=attempt)
        except sales_table.PurchaseCancelled as cancelled:
            if cancelled.sale.failed:
                # A concurrent request with the same Idempotency-Key won the race; answer with its sale.
                stored = cancelled.sale.current
                if stored is None:
                    stored = sales_table.read_for_purchase(request.good_id, username, sale_id).sale
                if stored is not None:
                    return _replay(stored, username, fingerprint)
            # The ALL_OLD images are the current state: re-check against them without another read.
            if cancelled.good.failed:
                good = cancelled.good.current
            if cancelled.customer.failed:
                current = cancelled.customer.current
                balance = None if current is None else Decimal(current.get("wallet_balance", 0))
            logger.info("purchase retried", extra={"attempt": attempt, "transient": cancelled.transient})
            continue
        metrics.add_metric(name="Sale", unit=MetricUnit.Count, value=1)
        return Sale.model_validate(sale)
    raise ServiceUnavailable("The good is in high demand, please retry")
