"""Every error the API answers with, defined once and raised by name.

The base classes are the HTTP categories (status and default code of the contract's error body); each named error
below fixes its code and message, so the same failure reads the same wherever it is raised, and routes can
declare (`shop_shared.api.raises`) which of them they may answer with for the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class ShopError(Exception):
    status: int = 500
    code: str = "INTERNAL_ERROR"
    message: str = "Internal error"
    # Seconds a client should wait before retrying; sent as Retry-After when set.
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, details: list[Any] | None = None) -> None:
        self.message = type(self).message if message is None else message
        super().__init__(self.message)
        self.details = details or []


# ---------------------------------------------------------------- categories


class ValidationFailed(ShopError):
    status = 400
    code = "VALIDATION_ERROR"
    message = "Request validation failed"


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


class TooManyRequests(ShopError):
    status = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(ShopError):
    """A dependency is throttling or timing out; nothing was written and the client may retry."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
    retry_after = 1


# ---------------------------------------------------------------- 400


class InvalidRequest(ValidationFailed):
    """A body, path or query parameter failed validation; `details` says where (the message may say how)."""


class InvalidNextToken(ValidationFailed):
    message = "next_token is not valid"


# ---------------------------------------------------------------- 401


class AuthenticationRequired(Unauthorized):
    message = "Authentication required"


class InvalidToken(Unauthorized):
    code = "INVALID_TOKEN"
    message = "Invalid token"


class MalformedAuthorization(Unauthorized):
    code = "INVALID_TOKEN"
    message = "Authorization header must be 'Bearer <token>'"


class TokenExpired(Unauthorized):
    code = "TOKEN_EXPIRED"
    message = "Token expired"


class InvalidCredentials(Unauthorized):
    code = "INVALID_CREDENTIALS"
    message = "Invalid username or password"


# ---------------------------------------------------------------- 403


class EmployeesOnly(Forbidden):
    message = "Employees only"


class CustomersOnly(Forbidden):
    message = "Customers only"


class NotYourAccount(Forbidden):
    message = "You may only access your own account"


class RoleChangeForbidden(Forbidden):
    message = "Only employees may change a role"


class NotReviewAuthor(Forbidden):
    message = "Only the author may edit a review"


class ReviewDeleteForbidden(Forbidden):
    message = "Only the author or an employee may delete a review"


class UnapprovedReviewsForbidden(Forbidden):
    message = "Only employees and the author may list reviews that are not approved"


# ---------------------------------------------------------------- 404


class NoSuchRoute(NotFound):
    message = "No such route"


class CustomerNotFound(NotFound):
    message = "Customer not found"


class GoodNotFound(NotFound):
    message = "Good not found"


class ReviewNotFound(NotFound):
    message = "Review not found"


# ---------------------------------------------------------------- 409


class UsernameTaken(Conflict):
    code = "USERNAME_TAKEN"
    message = "Username is already taken"


class InsufficientStock(Conflict):
    code = "INSUFFICIENT_STOCK"
    message = "Insufficient stock"


class InsufficientFunds(Conflict):
    code = "INSUFFICIENT_FUNDS"
    message = "Insufficient funds"


class WalletLimitExceeded(Conflict):
    code = "WALLET_LIMIT_EXCEEDED"
    message = "The wallet balance would exceed the maximum"


class DuplicateReview(Conflict):
    code = "DUPLICATE_REVIEW"
    message = "You have already reviewed this good"


class IdempotencyKeyReused(Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    message = "Idempotency-Key was already used for a different purchase"


# ---------------------------------------------------------------- 429


class LoginLockedOut(TooManyRequests):
    message = "Too many login attempts; try again later"


# ---------------------------------------------------------------- 500 / 503


class InternalError(ShopError):
    """Anything unexpected: logged with its trace for us, only this generic body for the client."""


class ServiceBusy(ServiceUnavailable):
    message = "The service is busy, please retry"


class ServiceTimedOut(ServiceUnavailable):
    message = "The service timed out, please retry"


class HighDemand(ServiceUnavailable):
    message = "The good is in high demand, please retry"


class PurchaseUnconfirmed(ServiceUnavailable):
    message = "The purchase could not be confirmed, please retry"


class LoginContention(ServiceUnavailable):
    message = "Login attempts are contending; try again"


# ---------------------------------------------------------------- declarations

# What any route may answer with, whatever it does: a bad request, a dependency busy or timing out, a bug.
EVERY_ROUTE: tuple[type[ShopError], ...] = (InvalidRequest, InternalError, ServiceBusy, ServiceTimedOut)

_DECLARED = "__shop_errors__"


def raises(*errors: type[ShopError]) -> Callable[[F], F]:
    """Declare the errors a service function (or an auth dependency) may answer with beyond EVERY_ROUTE.

    The declaration is the one list the OpenAPI document shows for the route, and the unit tests fail any
    response whose error is not on it.
    """

    def declare(func: F) -> F:
        setattr(func, _DECLARED, (*getattr(func, _DECLARED, ()), *errors))
        return func

    return declare


def declared_errors(func: Callable[..., Any]) -> tuple[type[ShopError], ...]:
    return tuple(getattr(func, _DECLARED, ()))
