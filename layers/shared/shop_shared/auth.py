"""Password hashing, token issue/verification and the role/ownership rules every protected route uses."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import Literal

import bcrypt
import boto3
import jwt
from aws_lambda_powertools.event_handler.request import Request

from shop_shared.config import required, settings
from shop_shared.errors import (
    AuthenticationRequired,
    CustomersOnly,
    EmployeesOnly,
    InvalidToken,
    MalformedAuthorization,
    NotYourAccount,
    TokenExpired,
    raises,
)

Role = Literal["customer", "emp"]
CUSTOMER: Role = "customer"
EMPLOYEE: Role = "emp"

_ALGORITHM = "HS256"
_signing_secret_arn = required("JWT_SECRET_ARN")
MAX_PASSWORD_BYTES = 72  # all bcrypt ever reads


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=settings().bcrypt_rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    candidate = password.encode()
    if len(candidate) > MAX_PASSWORD_BYTES:
        # No stored password is that long; spend the same bcrypt time, then refuse (bcrypt 5 would raise).
        bcrypt.checkpw(candidate[:MAX_PASSWORD_BYTES], password_hash.encode())
        return False
    return bcrypt.checkpw(candidate, password_hash.encode())


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-0")


def burn_password_check(password: str) -> None:
    """Spend one bcrypt check on an unknown user so response time does not reveal which usernames exist."""
    check_password(password, _dummy_hash())


@cache
def _signing_key() -> str:
    # Fetched once per cold start; rotating the secret means redeploying or letting instances recycle.
    return boto3.client("secretsmanager").get_secret_value(SecretId=_signing_secret_arn())["SecretString"]


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role

    @property
    def is_employee(self) -> bool:
        return self.role == EMPLOYEE


def issue_token(username: str, role: Role) -> str:
    now = int(time.time())
    claims = {
        "sub": username,
        "role": role,
        "iss": settings().token_issuer,
        "iat": now,
        "exp": now + settings().token_ttl_seconds,
    }
    return jwt.encode(claims, _signing_key(), algorithm=_ALGORITHM)


def verify_token(token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[_ALGORITHM],
            issuer=settings().token_issuer,
            options={"require": ["sub", "role", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken() from exc
    role = claims["role"]
    if role not in (CUSTOMER, EMPLOYEE) or not isinstance(claims["sub"], str):
        raise InvalidToken()
    return Principal(username=claims["sub"], role=role)


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization") or request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MalformedAuthorization()
    return token.strip()


# What any check of a presented token may answer with.
_TOKEN_ERRORS = (InvalidToken, MalformedAuthorization, TokenExpired)


@raises(AuthenticationRequired, *_TOKEN_ERRORS)
def authenticated(request: Request) -> Principal:
    """Route dependency: the caller's verified identity, or 401."""
    token = _bearer_token(request)
    if token is None:
        raise AuthenticationRequired()
    return verify_token(token)


@raises(*_TOKEN_ERRORS)
def optional_principal(request: Request) -> Principal | None:
    """Route dependency for public routes that show more to some callers; a bad token is still a 401."""
    token = _bearer_token(request)
    return verify_token(token) if token is not None else None


@raises(EmployeesOnly, AuthenticationRequired, *_TOKEN_ERRORS)
def employee(request: Request) -> Principal:
    """Route dependency: an authenticated employee, or 401/403."""
    principal = authenticated(request)
    if not principal.is_employee:
        raise EmployeesOnly()
    return principal


@raises(CustomersOnly, AuthenticationRequired, *_TOKEN_ERRORS)
def customer(request: Request) -> Principal:
    """Route dependency: an authenticated customer account, or 401/403."""
    principal = authenticated(request)
    if principal.role != CUSTOMER:
        raise CustomersOnly()
    return principal


def require_self_or_employee(principal: Principal, username: str) -> None:
    if principal.username != username and not principal.is_employee:
        raise NotYourAccount()
