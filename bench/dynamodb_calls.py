"""DynamoDB round trips per endpoint: every sample event in events/ run in-process on moto, calls counted.

Counts come from a botocore `before-call` hook on the layer's own DynamoDB client, so they are the calls the
handler really makes (a TransactWriteItems is one call). Secrets Manager is read once per cold start and
is reported apart.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
import warnings
from collections import Counter
from typing import Any

from moto import mock_aws

import tests.conftest  # noqa: F401  - sets the fake AWS environment before shop code is imported
from shop_shared.data import dynamo
from shopctl.template import code_dirs
from tests.unit.conftest import (
    EVENTS_DIR,
    LambdaContext,
    create_signing_secret,
    create_tables,
    handler_module_for,
    load_event,
    seed_data,
)


def main() -> None:
    sys.path[:0] = [str(d) for d in code_dirs() if str(d) not in sys.path]
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    print(f"{'sample event':42} {'status':>6} {'calls':>5}  operations")
    with mock_aws():
        dynamo.client().meta.events.register("before-call.dynamodb", count)
    for event_file in sorted(EVENTS_DIR.rglob("*.json")):
        with mock_aws():
            create_tables()
            create_signing_secret()
            tokens = seed_data()
            event = load_event(str(event_file.relative_to(EVENTS_DIR)), tokens)
            calls.clear()
            handler = importlib.import_module(handler_module_for(event_file)).handler
            # The functions' own EMF metric lines go to stdout; keep the table readable.
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = handler(event, LambdaContext())
            status = result.get("statusCode", "batch") if isinstance(result, dict) else "?"
            ops = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in sorted(calls.items()))
            print(f"{event_file.relative_to(EVENTS_DIR)!s:42} {status!s:>6} {sum(calls.values()):5}  {ops}")


if __name__ == "__main__":
    main()
