"""How a new account item is built, shared by self-registration and the `shopctl create-employee` bootstrap."""

from __future__ import annotations

from decimal import Decimal

from shop_shared import auth
from shop_shared.data.customers import AccountItem
from shop_shared.models.common import utc_now
from shop_shared.models.customers import RegisterRequest


def new_account_item(request: RegisterRequest, role: auth.Role) -> AccountItem:
    return AccountItem(
        username=request.username,
        full_name=request.full_name,
        age=request.age,
        address=request.address,
        gender=request.gender,
        marital_status=request.marital_status,
        password_hash=auth.hash_password(request.password),
        wallet_balance=Decimal(0),
        role=role,
        created_at=utc_now(),
    )
