"""Count the DynamoDB calls and items the shop's code makes, through botocore's event hooks (counted, never timed).

Only the shop's own client (shop_shared.data.dynamo) is watched, so a test's own reads and writes (seeding,
assertions) do not count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from shop_shared.data import dynamo


@dataclass
class Usage:
    calls: Counter[str] = field(default_factory=Counter)
    items_read: int = 0  # every item a read looked at: GetItem 1 (found or not), Query/Scan ScannedCount
    items_written: int = 0  # Put/Update/Delete 1, TransactWriteItems one per item

    @property
    def items(self) -> int:
        return self.items_read + self.items_written


@contextmanager
def dynamodb_usage() -> Iterator[Usage]:
    usage = Usage()
    events = dynamo.client().meta.events
    sent: list[dict[str, Any]] = []

    def on_params(params: dict[str, Any], model: Any, **_: Any) -> None:
        sent.append(params)

    def on_response(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        params = sent.pop() if sent else {}
        name = model.name
        usage.calls[name] += 1
        if name == "GetItem":
            usage.items_read += 1
        elif name in ("Query", "Scan"):
            usage.items_read += int(parsed.get("ScannedCount", 0))
        elif name == "BatchGetItem":
            usage.items_read += sum(len(table["Keys"]) for table in params.get("RequestItems", {}).values())
        elif name in ("TransactWriteItems", "TransactGetItems"):
            count = len(params.get("TransactItems", []))
            if name == "TransactWriteItems":
                usage.items_written += count
            else:
                usage.items_read += count
        elif name in ("PutItem", "UpdateItem", "DeleteItem"):
            usage.items_written += 1

    events.register("provide-client-params.dynamodb", on_params, unique_id="tests-usage-params")
    events.register("after-call.dynamodb", on_response, unique_id="tests-usage-response")
    try:
        yield usage
    finally:
        events.unregister("provide-client-params.dynamodb", unique_id="tests-usage-params")
        events.unregister("after-call.dynamodb", unique_id="tests-usage-response")
