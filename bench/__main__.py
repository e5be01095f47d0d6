"""`make bench`: run every benchmark and print its figures."""

from __future__ import annotations

import sys

from bench import auth_overhead, cold_init, dynamodb_calls, import_throughput, purchase_throughput


def main() -> None:
    for bench in (dynamodb_calls, auth_overhead, cold_init, purchase_throughput, import_throughput):
        print(f"\n== {bench.__name__} ==", flush=True)
        bench.main()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
