"""PUT /inventory/{id}/deduct: an employee takes units out of stock, never below zero."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from inventory_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, employee
from shop_shared.models.common import GoodId
from shop_shared.models.goods import DeductStockRequest, Good

app = create_app()


@app.put("/inventory/<id>/deduct", summary="Deduct stock (employees)")
@errors_from(service.deduct_stock)
def deduct_stock(
    id: Annotated[GoodId, Path()],
    body: DeductStockRequest,
    _: Annotated[Principal, Depends(employee)],
) -> Good:
    return service.deduct_stock(id, body.count)


handler = lambda_handler(app)
