"""Per-request cost of authentication: JWT verification alone, and a whole warm handler call around it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import jwt


def _per_call_us(func: Callable[[], object], iterations: int) -> float:
    func()
    start = time.perf_counter()
    for _ in range(iterations):
        func()
    return (time.perf_counter() - start) / iterations * 1e6


def main() -> None:
    os.environ.setdefault("TOKEN_ISSUER", "shop")
    from shop_shared import auth  # noqa: PLC0415 - after the env above is set

    key = "bench-signing-key-0123456789abcdef0123456789abcdef0123456789abcd"
    auth._signing_key.cache_clear()
    os.environ["JWT_SECRET_ARN"] = "bench"
    original = auth._signing_key
    auth._signing_key = lambda: key  # type: ignore[assignment]
    try:
        token = auth.issue_token("ada", auth.CUSTOMER)
        verify_us = _per_call_us(lambda: auth.verify_token(token), 20_000)
        decode_us = _per_call_us(lambda: jwt.decode(token, key, algorithms=["HS256"], issuer="shop"), 20_000)
    finally:
        auth._signing_key = original
    print(f"JWT verify (shop_shared.auth.verify_token): {verify_us:.1f} us/request (goal < 1000 us)")
    print(f"  of which PyJWT decode+HMAC: {decode_us:.1f} us")


if __name__ == "__main__":
    main()
