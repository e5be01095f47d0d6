"""DynamoDB capacity per request: every sample event in events/ run in-process on moto, for docs/capacity.md.

A botocore `before-parameter-build` hook on the layer's own DynamoDB client adds ReturnConsumedCapacity=TOTAL to
every call that accepts it, and an `after-call` hook records what moto reports. moto does not compute capacity
(it answers constants: 0.5 per GetItem whatever its size, 1.0 per write, 2.0 per transaction item, nothing per
item read by a Query or Scan), so the bench also computes the units from the items' sizes with DynamoDB's
documented rules: reads 4 KB per unit (half for eventually consistent reads, Query/Scan summed over the items
read before rounding), writes 1 KB per unit on the table plus one write per global secondary index holding the
item, both doubled inside transactions. Item sizes follow DynamoDB's rule of name + value bytes per attribute.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

import tests.conftest  # noqa: F401  - sets the fake AWS environment before shop code is imported
from shop_shared.data import dynamo
from shopctl.template import code_dirs, resources
from tests.unit.conftest import (
    EVENTS_DIR,
    LambdaContext,
    create_signing_secret,
    create_tables,
    handler_module_for,
    load_event,
    seed_data,
)

_WITH_CAPACITY = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
}


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes DynamoDB bills an item (low-level attribute values) by: attribute name + value, per attribute."""
    return sum(len(name.encode()) + _value_size(value) for name, value in (item or {}).items())


def _value_size(value: dict[str, Any]) -> int:  # noqa: PLR0911 - one branch per DynamoDB type
    (kind, raw), *_ = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        digits = len(str(Decimal(raw)).replace("-", "").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in raw.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in raw)
    if kind in ("SS", "NS"):
        return sum(_value_size({kind[0]: v}) for v in raw)
    return len(raw)


def _gsi_attributes() -> dict[str, list[tuple[str, frozenset[str] | None]]]:
    """Per table, each index's partition key and the attributes it holds (None: all, a projection of ALL)."""
    tables = resources("AWS::DynamoDB::Table")
    indexes: dict[str, list[tuple[str, frozenset[str] | None]]] = {}
    for name, res in tables.items():
        indexes[name] = []
        for index in res["Properties"].get("GlobalSecondaryIndexes", []):
            keys = [part["AttributeName"] for part in index["KeySchema"]]
            projection = index["Projection"]
            held = None
            if projection["ProjectionType"] != "ALL":
                held = frozenset([*keys, *projection.get("NonKeyAttributes", [])])
            indexes[name].append((keys[0], held))
    return indexes


def _index_writes(indexes: list[tuple[str, frozenset[str] | None]], before: Any, after: Any) -> int:
    """Index writes a change of one item costs: an index holding the item is written when it gains or loses the
    item, or when an attribute it holds changed (any attribute, for ALL projections)."""
    before, after = before or {}, after or {}
    changed = {attr for attr in set(before) | set(after) if before.get(attr) != after.get(attr)}
    writes = 0
    for partition, held in indexes:
        if partition not in before and partition not in after:
            continue
        if (partition in before) != (partition in after) or held is None or changed & held:
            writes += 1
    return writes


class Meter:
    """Per request: operations, moto's reported units, and units computed from item sizes."""

    def __init__(self) -> None:
        self.raw = boto3.client("dynamodb")  # unhooked: reads item images around writes
        self.indexes = _gsi_attributes()
        self.reset()

    def reset(self) -> None:
        self.ops: list[str] = []
        self.moto_units = 0.0
        self.rcu = 0.0
        self.wcu = 0.0
        self._before: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        self._params: dict[str, Any] = {}
        self.overhead = 0.0  # seconds spent in these hooks, taken out of the handler's measured time

    def before_parameter_build(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        # Registered last, so boto3's resource layer has already turned Python values into attribute values.
        started = time.perf_counter()
        if model.name in _WITH_CAPACITY:
            params["ReturnConsumedCapacity"] = "TOTAL"
        self._params = params
        self._before = [(table, key, self._get(table, key)) for table, key in _written_keys(model.name, params)]
        self.overhead += time.perf_counter() - started

    def after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        del http_response
        started = time.perf_counter()
        name = model.name
        params = self._params
        self.ops.append(name)
        consumed = parsed.get("ConsumedCapacity")
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.moto_units += float(entry.get("CapacityUnits", 0))
        self.rcu += self._read_units(name, parsed, params)
        factor = 2 if name == "TransactWriteItems" else 1
        for table, key, before in self._before:
            after = self._get(table, key)
            units = math.ceil(max(item_size(before), item_size(after), 1) / 1024)
            self.wcu += factor * units * (1 + _index_writes(self.indexes.get(table, []), before, after))
        self.overhead += time.perf_counter() - started

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.raw.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item

    @staticmethod
    def _read_units(name: str, parsed: dict[str, Any], params: dict[str, Any]) -> float:
        consistent = bool(params.get("ConsistentRead"))
        per_unit = 1.0 if consistent else 0.5
        if name == "GetItem":
            return per_unit * max(1, math.ceil(item_size(parsed.get("Item")) / 4096))
        if name in ("Query", "Scan"):
            # Billed on the items read, before any FilterExpression; ScannedCount counts them, their size is
            # approximated by the returned items' average.
            items = parsed.get("Items", [])
            average = sum(item_size(i) for i in items) / len(items) if items else 0
            scanned = int(parsed.get("ScannedCount", len(items)))
            return per_unit * max(1, math.ceil(average * scanned / 4096))
        if name == "BatchGetItem":
            units = 0.0
            for table, items in parsed.get("Responses", {}).items():
                table_consistent = params["RequestItems"][table].get("ConsistentRead", False)
                units += sum((1.0 if table_consistent else 0.5) * max(1, math.ceil(item_size(i) / 4096)) for i in items)
            return units
        return 0.0


def _written_keys(name: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if name in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"])]
    if name == "PutItem":
        return [(params["TableName"], _key_of(params["TableName"], params["Item"]))]
    if name == "TransactWriteItems":
        keys = []
        for entry in params["TransactItems"]:
            ((_, body),) = entry.items()
            key = body["Key"] if "Key" in body else _key_of(body["TableName"], body["Item"])
            keys.append((body["TableName"], key))
        return keys
    return []


def _key_of(table: str, item: dict[str, Any]) -> dict[str, Any]:
    schema = resources("AWS::DynamoDB::Table")[table]["Properties"]["KeySchema"]
    return {k["AttributeName"]: item[k["AttributeName"]] for k in schema}


def main() -> None:
    sys.path[:0] = [str(d) for d in code_dirs() if str(d) not in sys.path]
    print("per sample event: status, capacity moto reports, units computed from item sizes, warm in-process ms")
    print(f"{'sample event':40} {'status':>6} {'moto CU':>7} {'RCU':>5} {'WCU':>5} {'ms':>6}  operations")
    for event_file in sorted(EVENTS_DIR.rglob("*.json")):
        # Twice on fresh data: the first call imports the handler, the second is the warm one we measure.
        for _ in range(2):
            meter, result, elapsed_ms = _run_once(event_file)
        status = result.get("statusCode", "batch") if isinstance(result, dict) else "?"
        print(
            f"{event_file.relative_to(EVENTS_DIR)!s:40} {status!s:>6} {meter.moto_units:7.1f} "
            f"{meter.rcu:5.1f} {meter.wcu:5.1f} {elapsed_ms:6.1f}  {', '.join(meter.ops)}"
        )


def _run_once(event_file: Path) -> tuple[Meter, Any, float]:
    with mock_aws():
        create_tables()
        create_signing_secret()
        tokens = seed_data()
        meter = Meter()
        events = dynamo.client().meta.events
        events.register_last("before-parameter-build.dynamodb", meter.before_parameter_build)
        # First, before boto3's resource layer turns the attribute values of the response into Python values.
        events.register_first("after-call.dynamodb", meter.after_call)
        try:
            event = load_event(str(event_file.relative_to(EVENTS_DIR)), tokens)
            handler = importlib.import_module(handler_module_for(event_file)).handler
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                result = handler(event, LambdaContext())
                elapsed_ms = (time.perf_counter() - started - meter.overhead) * 1000
        finally:
            events.unregister("before-parameter-build.dynamodb", meter.before_parameter_build)
            events.unregister("after-call.dynamodb", meter.after_call)
    return meter, result, elapsed_ms


if __name__ == "__main__":
    main()
