"""PATCH /customers/{username}: change whitelisted profile fields; only employees may change a role."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import Username
from shop_shared.models.customers import Customer, CustomerPatch

app = create_app()


@app.patch("/customers/<username>", summary="Update a customer")
@errors_from(service.update_customer)
def update_customer(
    username: Annotated[Username, Path()], body: CustomerPatch, principal: Annotated[Principal, Depends(authenticated)]
) -> Customer:
    return service.update_customer(principal, username, body)


handler = lambda_handler(app)
