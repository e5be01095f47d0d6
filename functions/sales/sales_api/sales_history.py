"""GET /sales/history/{username}: a customer's purchases, newest first (self or employee)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sales_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import DEFAULT_LIMIT, Limit, NextToken, PageOf, Username
from shop_shared.models.sales import SaleRecord

app = create_app()


@app.get("/sales/history/<username>", summary="Purchase history of a customer")
@errors_from(service.history)
def sales_history(
    username: Annotated[Username, Path()],
    principal: Annotated[Principal, Depends(authenticated)],
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    next_token: Annotated[NextToken | None, Query()] = None,
) -> PageOf[SaleRecord]:
    return service.history(principal, username, limit, next_token)


handler = lambda_handler(app)
