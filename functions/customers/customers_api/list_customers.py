"""GET /customers: employees page through all accounts."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, employee
from shop_shared.models.common import DEFAULT_LIMIT, Limit, NextToken, PageOf
from shop_shared.models.customers import Customer

app = create_app()


@app.get("/customers", summary="List customers (employees)")
@errors_from(service.list_customers)
def list_customers(
    _: Annotated[Principal, Depends(employee)],
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    next_token: Annotated[NextToken | None, Query()] = None,
) -> PageOf[Customer]:
    return service.list_customers(limit, next_token)


handler = lambda_handler(app)
