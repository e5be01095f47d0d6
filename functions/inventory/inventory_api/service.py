"""Goods and stock: the rules between the inventory routes (employees only) and the inventory table."""

from __future__ import annotations

import uuid

from aws_lambda_powertools.metrics import MetricUnit

from shop_shared.data import goods as goods_table
from shop_shared.data.goods import GoodItem
from shop_shared.errors import GoodNotFound, HighDemand, InsufficientStock, raises
from shop_shared.models.common import utc_now
from shop_shared.models.goods import Good, GoodPatch, NewGood
from shop_shared.observability import metrics


def add_good(request: NewGood) -> Good:
    now = utc_now()
    item = GoodItem(
        id=str(uuid.uuid4()),
        name=request.name,
        category=request.category,
        price=request.price,
        description=request.description,
        count=request.count,
        created_at=now,
        updated_at=now,
    )
    goods_table.create(item)
    metrics.add_metric(name="GoodAdded", unit=MetricUnit.Count, value=1)
    return Good.model_validate(item)


@raises(GoodNotFound)
def update_good(good_id: str, patch: GoodPatch) -> Good:
    changes = patch.model_dump(exclude_unset=True)
    changes["updated_at"] = utc_now()
    return Good.model_validate(goods_table.update(good_id, changes))


@raises(GoodNotFound, InsufficientStock, HighDemand)
def deduct_stock(good_id: str, count: int) -> Good:
    return Good.model_validate(goods_table.take_stock(good_id, count, utc_now()))


@raises(GoodNotFound)
def delete_good(good_id: str) -> None:
    goods_table.delete(good_id)
