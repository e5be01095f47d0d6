"""PATCH /inventory/{id}/update: an employee changes whitelisted fields of a good."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from inventory_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, employee
from shop_shared.models.common import GoodId
from shop_shared.models.goods import Good, GoodPatch

app = create_app()


@app.patch("/inventory/<id>/update", summary="Update a good (employees)")
@errors_from(service.update_good)
def update_good(
    id: Annotated[GoodId, Path()],
    body: GoodPatch,
    _: Annotated[Principal, Depends(employee)],
) -> Good:
    return service.update_good(id, body)


handler = lambda_handler(app)
