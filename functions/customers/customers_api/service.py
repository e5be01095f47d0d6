"""Customer accounts and wallets: the rules between the HTTP edge and the customers table."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import NoReturn

from aws_lambda_powertools.metrics import MetricUnit

from shop_shared import auth
from shop_shared.accounts import new_account_item
from shop_shared.config import settings
from shop_shared.data import customers as customers_table
from shop_shared.errors import (
    CustomerNotFound,
    InsufficientFunds,
    InvalidCredentials,
    InvalidNextToken,
    LoginContention,
    LoginLockedOut,
    NotYourAccount,
    RoleChangeForbidden,
    UsernameTaken,
    WalletLimitExceeded,
    raises,
)
from shop_shared.models.common import PageOf, utc_now
from shop_shared.models.customers import (
    Customer,
    CustomerPatch,
    LoginRequest,
    LoginResponse,
    RegisterRequest,
    Wallet,
)
from shop_shared.observability import metrics


@raises(UsernameTaken)
def register(request: RegisterRequest) -> Customer:
    # Self-registration can only ever create a customer; employees are promoted by an employee or shopctl.
    item = new_account_item(request, auth.CUSTOMER)
    customers_table.create(item)
    metrics.add_metric(name="CustomerRegistered", unit=MetricUnit.Count, value=1)
    return Customer.model_validate(item)


def now() -> int:
    """The clock login throttling reads (a seam for tests that move time)."""
    return int(time.time())


@raises(InvalidCredentials, LoginLockedOut, LoginContention)
def login(request: LoginRequest) -> LoginResponse:
    """Reserve an attempt (one conditional write that also reads the account), then run bcrypt at most once."""
    config = settings()
    try:
        account = customers_table.reserve_login_attempt(
            request.username,
            now(),
            max_attempts=config.login_max_failures,
            window_seconds=config.login_lockout_seconds,
        )
    except CustomerNotFound:
        auth.burn_password_check(request.password)  # an unknown name costs the same time as a wrong password
        _fail_login()
    except LoginLockedOut:
        # Refused before bcrypt, whatever the password: a locked account must not reveal a right guess.
        metrics.add_metric(name="LoginLockedOut", unit=MetricUnit.Count, value=1)
        raise
    if not auth.check_password(request.password, str(account["password_hash"])):
        _fail_login()
    try:
        customers_table.clear_login_attempts(request.username)
    except CustomerNotFound:  # deleted between the reservation and now
        _fail_login()
    role = auth.EMPLOYEE if account["role"] == auth.EMPLOYEE else auth.CUSTOMER
    return LoginResponse(
        access_token=auth.issue_token(request.username, role),
        expires_in=config.token_ttl_seconds,
        username=request.username,
        role=role,
    )


def _fail_login() -> NoReturn:
    metrics.add_metric(name="LoginFailed", unit=MetricUnit.Count, value=1)
    raise InvalidCredentials()


@raises(InvalidNextToken)
def list_customers(limit: int, next_token: str | None) -> PageOf[Customer]:
    page = customers_table.list_page(limit, next_token)
    return PageOf[Customer](items=[Customer.model_validate(i) for i in page.items], next_token=page.next_token)


@raises(NotYourAccount, CustomerNotFound)
def get_customer(principal: auth.Principal, username: str) -> Customer:
    auth.require_self_or_employee(principal, username)
    return Customer.model_validate(customers_table.get_public(username))


@raises(NotYourAccount, RoleChangeForbidden, CustomerNotFound)
def update_customer(principal: auth.Principal, username: str, patch: CustomerPatch) -> Customer:
    auth.require_self_or_employee(principal, username)
    if patch.role is not None and not principal.is_employee:
        raise RoleChangeForbidden()
    changes = patch.model_dump(exclude_unset=True, exclude={"password"})
    if patch.password is not None:
        changes["password_hash"] = auth.hash_password(patch.password)
    changes["updated_at"] = utc_now()
    return Customer.model_validate(customers_table.update(username, changes))


@raises(NotYourAccount, CustomerNotFound)
def delete_customer(principal: auth.Principal, username: str) -> None:
    auth.require_self_or_employee(principal, username)
    customers_table.delete(username)


@raises(NotYourAccount, CustomerNotFound, WalletLimitExceeded)
def charge_wallet(principal: auth.Principal, username: str, amount: Decimal) -> Wallet:
    auth.require_self_or_employee(principal, username)
    return Wallet(username=username, wallet_balance=customers_table.add_to_wallet(username, amount))


@raises(NotYourAccount, CustomerNotFound, InsufficientFunds)
def deduct_wallet(principal: auth.Principal, username: str, amount: Decimal) -> Wallet:
    auth.require_self_or_employee(principal, username)
    return Wallet(username=username, wallet_balance=customers_table.take_from_wallet(username, amount))
