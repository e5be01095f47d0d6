"""The inventory table: one item per good, keyed by `id` (a UUID string).

Attributes: id, name, category, price (N), description, count (N), rating_avg (N), rating_count (N),
created_at, updated_at. Written by the inventory service; sales and reviews read it; the moderation job
maintains rating_avg / rating_count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop_shared.config import settings
from shop_shared.data.dynamo import Item, table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

from shop_shared.errors import NotFound

KEY = frozenset({"id"})


def _table() -> Table:
    return table(settings().inventory_table)


def get(good_id: str) -> Item:
    item = _table().get_item(Key={"id": good_id}).get("Item")
    if item is None:
        raise NotFound("Good not found")
    return item
