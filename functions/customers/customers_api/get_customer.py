"""GET /customers/{username}: a customer reads their own account; employees read any."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import Username
from shop_shared.models.customers import Customer

app = create_app()


@app.get("/customers/<username>", summary="Get a customer")
@errors_from(service.get_customer)
def get_customer(
    username: Annotated[Username, Path()], principal: Annotated[Principal, Depends(authenticated)]
) -> Customer:
    return service.get_customer(principal, username)


handler = lambda_handler(app)
