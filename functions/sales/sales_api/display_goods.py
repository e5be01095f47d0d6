"""GET /sales/display-goods: anyone browses the goods that are in stock."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from sales_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.models.common import DEFAULT_LIMIT, Limit, NextToken, PageOf
from shop_shared.models.goods import GoodSummary

app = create_app()


@app.get("/sales/display-goods", summary="List goods in stock")
@errors_from(service.display_goods)
def display_goods(
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    next_token: Annotated[NextToken | None, Query()] = None,
) -> PageOf[GoodSummary]:
    return service.display_goods(limit, next_token)


handler = lambda_handler(app)
