"""POST /customers/register: anyone opens a customer account."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.models.customers import Customer, RegisterRequest

app = create_app()


@app.post("/customers/register", summary="Register a customer account")
@errors_from(service.register)
def register(body: RegisterRequest) -> Response[Customer]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=service.register(body))


handler = lambda_handler(app)
