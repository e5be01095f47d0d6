"""POST /sales/sell: a customer buys a good with their wallet, optionally idempotently (Idempotency-Key)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header

from sales_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, customer
from shop_shared.models.sales import IdempotencyKey, Sale, SellRequest

app = create_app()


@app.post("/sales/sell", summary="Buy a good")
@errors_from(service.sell)
def sell(
    body: SellRequest,
    principal: Annotated[Principal, Depends(customer)],
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> Response[Sale]:
    sale = service.sell(principal, body, idempotency_key)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=sale)


handler = lambda_handler(app)
