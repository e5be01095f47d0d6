"""POST /login: exchange username and password for a signed access token."""

from __future__ import annotations

from customers_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.models.customers import LoginRequest, LoginResponse

app = create_app()


@app.post("/login", summary="Log in and receive a bearer token")
@errors_from(service.login)
def login(body: LoginRequest) -> LoginResponse:
    return service.login(body)


handler = lambda_handler(app)
