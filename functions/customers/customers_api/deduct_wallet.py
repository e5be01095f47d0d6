"""PUT /customers/{username}/deduct: take money out of a wallet, never below zero."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import Username
from shop_shared.models.customers import DeductRequest, Wallet

app = create_app()


@app.put("/customers/<username>/deduct", summary="Deduct from a wallet")
@errors_from(service.deduct_wallet)
def deduct_wallet(
    username: Annotated[Username, Path()], body: DeductRequest, principal: Annotated[Principal, Depends(authenticated)]
) -> Wallet:
    return service.deduct_wallet(principal, username, body.amount)


handler = lambda_handler(app)
