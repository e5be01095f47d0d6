"""Customers service request and response models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt, StringConstraints

from shop_shared import auth
from shop_shared.auth import Role
from shop_shared.models.common import Money, PatchModel, PositiveMoney, RequestModel, ResponseModel, Username


def _bcrypt_sized(value: str) -> str:
    # bcrypt reads at most 72 bytes (and bcrypt 5 refuses more), so no stored password is longer.
    if len(value.encode()) > auth.MAX_PASSWORD_BYTES:
        raise ValueError(f"password must be at most {auth.MAX_PASSWORD_BYTES} bytes in UTF-8")
    return value


def _strong_password(value: str) -> str:
    if not any(c.isalpha() for c in value) or not any(c.isdigit() for c in value):
        raise ValueError("password must contain a letter and a digit")
    return _bcrypt_sized(value)


# A password is checked and hashed exactly as sent: RequestModel strips whitespace from strings, passwords are exempt.
_Verbatim = StringConstraints(strip_whitespace=False)
Password = Annotated[str, _Verbatim, Field(min_length=8, max_length=72), AfterValidator(_strong_password)]
LoginPassword = Annotated[str, _Verbatim, Field(min_length=1, max_length=72), AfterValidator(_bcrypt_sized)]
FullName = Annotated[str, Field(min_length=1, max_length=100)]
Age = Annotated[StrictInt, Field(ge=1, le=120)]
Address = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(min_length=1, max_length=20)]
WalletAmount = Annotated[PositiveMoney, Field(le=10000)]


class RegisterRequest(RequestModel):
    full_name: FullName
    username: Username
    password: Password
    age: Age
    address: Address
    gender: ShortText
    marital_status: ShortText


class LoginRequest(RequestModel):
    username: Annotated[str, Field(min_length=1, max_length=50)]
    password: LoginPassword


class CustomerPatch(PatchModel):
    full_name: FullName | None = None
    password: Password | None = None
    age: Age | None = None
    address: Address | None = None
    gender: ShortText | None = None
    marital_status: ShortText | None = None
    role: Role | None = None


class ChargeRequest(RequestModel):
    amount: WalletAmount


class DeductRequest(RequestModel):
    amount: PositiveMoney


class Customer(ResponseModel):
    username: str
    full_name: str
    age: int
    address: str
    gender: str
    marital_status: str
    wallet_balance: Money
    role: Role
    created_at: str


class Wallet(ResponseModel):
    username: str
    wallet_balance: Money


class LoginResponse(ResponseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    username: str
    role: Role
