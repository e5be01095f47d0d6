"""POST /inventory/add: an employee puts a new good on sale."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response, content_types

from inventory_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, employee
from shop_shared.models.goods import Good, NewGood

app = create_app()


@app.post("/inventory/add", summary="Add a good (employees)")
@errors_from(service.add_good)
def add_good(body: NewGood, _: Annotated[Principal, Depends(employee)]) -> Response[Good]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=service.add_good(body))


handler = lambda_handler(app)
