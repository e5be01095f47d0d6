"""GET /reviews/customer/{username}: a customer's reviews, newest first; all of them for self and employees."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, optional_principal
from shop_shared.models.common import DEFAULT_LIMIT, Limit, NextToken, PageOf, Username
from shop_shared.models.reviews import Review, ReviewStatus

app = create_app()


@app.get("/reviews/customer/<username>", summary="List a customer's reviews")
@errors_from(service.list_for_customer)
def list_customer_reviews(
    username: Annotated[Username, Path()],
    principal: Annotated[Principal | None, Depends(optional_principal)],
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    next_token: Annotated[NextToken | None, Query()] = None,
    status: Annotated[ReviewStatus | None, Query()] = None,
) -> PageOf[Review]:
    return service.list_for_customer(principal, username, status, limit, next_token)


handler = lambda_handler(app)
