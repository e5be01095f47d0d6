"""How a new account item is built, shared by self-registration and the `shopctl create-employee` bootstrap."""

from __future__ import annotations

from decimal import Decimal

from shop_shared import auth
from shop_shared.data.dynamo import Item
from shop_shared.models.common import utc_now
from shop_shared.models.customers import RegisterRequest


def new_account_item(request: RegisterRequest, role: auth.Role) -> Item:
    return {
        **request.model_dump(exclude={"password"}),
        "password_hash": auth.hash_password(request.password),
        "wallet_balance": Decimal(0),
        "role": role,
        "created_at": utc_now(),
    }
