"""Domain errors. Each carries the HTTP status and machine-readable code of the contract's error body."""

from __future__ import annotations

from typing import Any


class ShopError(Exception):
    status: int = 500
    code: str = "INTERNAL_ERROR"
    # Seconds a client should wait before retrying; sent as Retry-After when set.
    retry_after: int | None = None

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or []


class ValidationFailed(ShopError):
    status = 400
    code = "VALIDATION_ERROR"


class Unauthorized(ShopError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(ShopError):
    status = 403
    code = "FORBIDDEN"


class NotFound(ShopError):
    status = 404
    code = "NOT_FOUND"


class Conflict(ShopError):
    """409; the code (USERNAME_TAKEN, INSUFFICIENT_STOCK, ...) says which conflict."""

    status = 409

    def __init__(self, message: str, *, code: str, details: list[Any] | None = None) -> None:
        super().__init__(message, code=code, details=details)


class TooManyRequests(ShopError):
    status = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ServiceUnavailable(ShopError):
    """A dependency is throttling or timing out; nothing was written and the client may retry."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
    retry_after = 1
