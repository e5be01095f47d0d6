"""DELETE /customers/{username}: close an account (self or employee)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import Username

app = create_app()


@app.delete("/customers/<username>", summary="Delete a customer")
@errors_from(service.delete_customer)
def delete_customer(
    username: Annotated[Username, Path()], principal: Annotated[Principal, Depends(authenticated)]
) -> Response[None]:
    service.delete_customer(principal, username)
    return Response(status_code=204)


handler = lambda_handler(app)
