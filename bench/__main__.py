"""`make bench`: run every benchmark and print its figures."""

from __future__ import annotations

import sys

from bench import (
    auth_overhead,
    capacity,
    cold_init,
    dynamodb_calls,
    import_throughput,
    local_latency,
    purchase_throughput,
)


def main() -> None:
    benches = [dynamodb_calls, capacity, auth_overhead, cold_init, local_latency, purchase_throughput]
    benches.append(import_throughput)
    for bench in benches:
        print(f"\n== {bench.__name__} ==", flush=True)
        bench.main()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
