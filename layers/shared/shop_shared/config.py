"""Runtime configuration, read once from the environment the SAM template sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    customers_table: str
    inventory_table: str
    sales_table: str
    reviews_table: str
    jwt_secret_arn: str
    bcrypt_rounds: int
    token_ttl_seconds: int
    token_issuer: str
    login_max_failures: int
    login_lockout_seconds: int
    cors_allowed_origin: str


@cache
def settings() -> Settings:
    env = os.environ
    return Settings(
        customers_table=env.get("CUSTOMERS_TABLE", "customers"),
        inventory_table=env.get("INVENTORY_TABLE", "inventory"),
        sales_table=env.get("SALES_TABLE", "sales"),
        reviews_table=env.get("REVIEWS_TABLE", "reviews"),
        jwt_secret_arn=env.get("JWT_SECRET_ARN", ""),
        bcrypt_rounds=int(env.get("BCRYPT_ROUNDS", "12")),
        token_ttl_seconds=int(env.get("TOKEN_TTL_SECONDS", "3600")),
        token_issuer=env.get("TOKEN_ISSUER", "shop"),
        login_max_failures=int(env.get("LOGIN_MAX_FAILURES", "5")),
        login_lockout_seconds=int(env.get("LOGIN_LOCKOUT_SECONDS", "900")),
        cors_allowed_origin=env.get("CORS_ALLOWED_ORIGIN", ""),
    )
