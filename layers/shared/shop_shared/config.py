"""Runtime configuration from the environment the SAM template sets.

Wiring (table names, the signing secret) has no default: a module that needs a variable declares it with
`required(...)` when it is imported, and every Lambda entry point calls `check_required()` at cold start, so a
function whose template entry lacks one of the variables its code uses fails to start with a message naming it,
instead of talking to a table literally called "inventory". A function only needs what its own imports declare.
Tuning knobs (bcrypt cost, token lifetime, ...) keep their documented defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


class MissingSetting(RuntimeError):
    """A required environment variable is not set (or empty)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"Missing required environment variable(s): {', '.join(names)}. "
            "Set them in this function's Environment in template.yaml."
        )
        self.names = names


@dataclass(frozen=True)
class Required:
    """An environment variable some imported module cannot work without; calling it reads it."""

    name: str

    def __call__(self) -> str:
        value = os.environ.get(self.name, "")
        if not value:
            raise MissingSetting([self.name])
        return value


_REQUIRED: dict[str, Required] = {}


def required(name: str) -> Required:
    """Declare (at import) that this process needs `name`; call the result to read it."""
    return _REQUIRED.setdefault(name, Required(name))


def check_required() -> None:
    """Fail now, naming every missing variable the modules imported so far declared (called at cold start)."""
    missing = sorted(name for name in _REQUIRED if not os.environ.get(name))
    if missing:
        raise MissingSetting(missing)


@dataclass(frozen=True)
class Settings:
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
        bcrypt_rounds=int(env.get("BCRYPT_ROUNDS", "12")),
        token_ttl_seconds=int(env.get("TOKEN_TTL_SECONDS", "3600")),
        token_issuer=env.get("TOKEN_ISSUER", "shop"),
        login_max_failures=int(env.get("LOGIN_MAX_FAILURES", "5")),
        login_lockout_seconds=int(env.get("LOGIN_LOCKOUT_SECONDS", "900")),
        cors_allowed_origin=env.get("CORS_ALLOWED_ORIGIN", ""),
    )
