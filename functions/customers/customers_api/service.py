"""Customer accounts and wallets: the rules between the HTTP edge and the customers table."""

from __future__ import annotations

import time
from decimal import Decimal

from aws_lambda_powertools.metrics import MetricUnit

from shop_shared import auth
from shop_shared.accounts import new_account_item
from shop_shared.config import settings
from shop_shared.data import customers as customers_table
from shop_shared.data.dynamo import Item
from shop_shared.errors import Forbidden, NotFound, TooManyRequests, Unauthorized
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


def register(request: RegisterRequest) -> Customer:
    # Self-registration can only ever create a customer; employees are promoted by an employee or shopctl.
    item = new_account_item(request, auth.CUSTOMER)
    customers_table.create(item)
    metrics.add_metric(name="CustomerRegistered", unit=MetricUnit.Count, value=1)
    return Customer.model_validate(item)


def login(request: LoginRequest) -> LoginResponse:
    now = int(time.time())
    try:
        account: Item | None = customers_table.get(request.username)
    except NotFound:
        account = None
    if account is not None:
        _refuse_if_locked_out(account, now)
    if account is None:
        auth.burn_password_check(request.password)
    if account is None or not auth.check_password(request.password, str(account["password_hash"])):
        metrics.add_metric(name="LoginFailed", unit=MetricUnit.Count, value=1)
        if account is not None:
            customers_table.record_failed_login(
                request.username, now, start_new_window=not _within_lockout_window(account, now)
            )
        raise Unauthorized("Invalid username or password", code="INVALID_CREDENTIALS")
    if account.get("failed_logins"):
        customers_table.clear_failed_logins(request.username)
    role = auth.EMPLOYEE if account["role"] == auth.EMPLOYEE else auth.CUSTOMER
    return LoginResponse(
        access_token=auth.issue_token(request.username, role),
        expires_in=settings().token_ttl_seconds,
        username=request.username,
        role=role,
    )


def _within_lockout_window(account: Item, now: int) -> bool:
    return now - int(account.get("last_failed_login", 0)) < settings().login_lockout_seconds


def _refuse_if_locked_out(account: Item, now: int) -> None:
    """After too many failures in the window, refuse before bcrypt runs, so guessing costs the attacker time."""
    if int(account.get("failed_logins", 0)) >= settings().login_max_failures and _within_lockout_window(account, now):
        retry_after = settings().login_lockout_seconds - (now - int(account["last_failed_login"]))
        metrics.add_metric(name="LoginLockedOut", unit=MetricUnit.Count, value=1)
        raise TooManyRequests(
            "Too many failed logins; try again later", code="TOO_MANY_LOGIN_ATTEMPTS", retry_after=retry_after
        )


def list_customers(limit: int, next_token: str | None) -> PageOf[Customer]:
    page = customers_table.list_page(limit, next_token)
    return PageOf[Customer](items=[Customer.model_validate(i) for i in page.items], next_token=page.next_token)


def get_customer(principal: auth.Principal, username: str) -> Customer:
    auth.require_self_or_employee(principal, username)
    return Customer.model_validate(customers_table.get_public(username))


def update_customer(principal: auth.Principal, username: str, patch: CustomerPatch) -> Customer:
    auth.require_self_or_employee(principal, username)
    if patch.role is not None and not principal.is_employee:
        raise Forbidden("Only employees may change a role")
    changes = patch.model_dump(exclude_unset=True, exclude={"password"})
    if patch.password is not None:
        changes["password_hash"] = auth.hash_password(patch.password)
    changes["updated_at"] = utc_now()
    return Customer.model_validate(customers_table.update(username, changes))


def delete_customer(principal: auth.Principal, username: str) -> None:
    auth.require_self_or_employee(principal, username)
    customers_table.delete(username)


def charge_wallet(principal: auth.Principal, username: str, amount: Decimal) -> Wallet:
    auth.require_self_or_employee(principal, username)
    return Wallet(username=username, wallet_balance=customers_table.add_to_wallet(username, amount))


def deduct_wallet(principal: auth.Principal, username: str, amount: Decimal) -> Wallet:
    auth.require_self_or_employee(principal, username)
    return Wallet(username=username, wallet_balance=customers_table.take_from_wallet(username, amount))
