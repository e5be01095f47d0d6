"""Throughput of concurrent purchases through API Gateway -> Lambda -> DynamoDB on the local stack (MiniStack).

Deploys the template on its own emulator, then CUSTOMERS buyers each buy PURCHASES_EACH single units
concurrently. Prints purchases/s and latency percentiles, and checks nothing was oversold.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from shopctl import localstack

CUSTOMERS = int(os.environ.get("BENCH_BUYERS", "10"))
PURCHASES_EACH = int(os.environ.get("BENCH_PURCHASES_EACH", "10"))
PASSWORD = "bench-pass-1"


def main() -> None:
    port = localstack.free_port()
    with localstack.local_stack(port, localstack.ROOT / ".local" / f"bench-{port}", BcryptRounds="4") as stack:
        http = requests.Session()
        http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=CUSTOMERS * 2))
        api = stack.api_url

        def login(username: str) -> dict[str, str]:
            response = http.post(f"{api}/login", json={"username": username, "password": PASSWORD}, timeout=60)
            response.raise_for_status()
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        localstack.create_employee(stack, "benchboss", PASSWORD, bcrypt_rounds=4)
        boss = login("benchboss")
        stock = CUSTOMERS * PURCHASES_EACH
        good = http.post(
            f"{api}/inventory/add",
            json={"name": "Bench good", "category": "food", "price": 1, "count": stock},
            headers=boss,
            timeout=60,
        ).json()
        buyers = []
        for _ in range(CUSTOMERS):
            username = f"buyer_{uuid.uuid4().hex[:10]}"
            profile: dict[str, Any] = {
                "full_name": "B",
                "age": 30,
                "address": "x",
                "gender": "x",
                "marital_status": "x",
            }
            http.post(
                f"{api}/customers/register", json={"username": username, "password": PASSWORD, **profile}, timeout=60
            ).raise_for_status()
            headers = login(username)
            http.put(f"{api}/customers/{username}/charge", json={"amount": stock}, headers=headers, timeout=60)
            buyers.append(headers)

        # Start one warm worker per buyer first (invalid purchases: 400, nothing written), so the figures
        # measure purchases rather than the emulator spawning cold Lambda workers.
        def warm(headers: dict[str, str]) -> int:
            body = {"good_id": good["id"], "quantity": 0}
            return http.post(f"{api}/sales/sell", json=body, headers=headers, timeout=120).status_code

        with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
            assert set(pool.map(warm, buyers)) == {400}

        def buy(headers: dict[str, str]) -> list[tuple[int, float]]:
            results = []
            for _ in range(PURCHASES_EACH):
                start = time.perf_counter()
                response = http.post(
                    f"{api}/sales/sell", json={"good_id": good["id"], "quantity": 1}, headers=headers, timeout=60
                )
                results.append((response.status_code, time.perf_counter() - start))
            return results

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
            outcomes = [r for batch in pool.map(buy, buyers) for r in batch]
        elapsed = time.perf_counter() - started

        ok = [latency for status, latency in outcomes if status == 201]
        remaining = http.get(f"{api}/sales/goods/{good['id']}", timeout=60).json()["count"]
        quantiles = statistics.quantiles(ok, n=20) if len(ok) >= 20 else [max(ok or [0])] * 19
        print(f"concurrent purchases on MiniStack: {CUSTOMERS} buyers x {PURCHASES_EACH}, stock {stock}")
        print(f"  {len(ok)}/{len(outcomes)} succeeded in {elapsed:.1f} s -> {len(ok) / elapsed:.1f} purchases/s")
        print(f"  latency p50 {statistics.median(ok) * 1000:.0f} ms, p95 {quantiles[18] * 1000:.0f} ms")
        print(f"  stock left {remaining} (expected {stock - len(ok)})")


if __name__ == "__main__":
    main()
