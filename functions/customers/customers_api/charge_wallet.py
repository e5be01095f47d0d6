"""PUT /customers/{username}/charge: add money to a wallet."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import Username
from shop_shared.models.customers import ChargeRequest, Wallet

app = create_app()


@app.put("/customers/<username>/charge", summary="Charge a wallet")
@errors_from(service.charge_wallet)
def charge_wallet(
    username: Annotated[Username, Path()], body: ChargeRequest, principal: Annotated[Principal, Depends(authenticated)]
) -> Wallet:
    return service.charge_wallet(principal, username, body.amount)


handler = lambda_handler(app)
