"""GET /sales/goods/{id}: anyone reads a good with its rating."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from sales_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.models.common import GoodId
from shop_shared.models.goods import GoodDetails

app = create_app()


@app.get("/sales/goods/<id>", summary="Get a good")
@errors_from(service.get_good)
def get_good(id: Annotated[GoodId, Path()]) -> GoodDetails:
    return service.get_good(id)


handler = lambda_handler(app)
