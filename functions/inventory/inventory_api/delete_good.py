"""DELETE /inventory/{id}: an employee removes a good; past sales keep their own snapshot of it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from inventory_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, employee
from shop_shared.models.common import GoodId

app = create_app()


@app.delete("/inventory/<id>", summary="Delete a good (employees)")
@errors_from(service.delete_good)
def delete_good(id: Annotated[GoodId, Path()], _: Annotated[Principal, Depends(employee)]) -> Response[None]:
    service.delete_good(id)
    return Response(status_code=204)


handler = lambda_handler(app)
