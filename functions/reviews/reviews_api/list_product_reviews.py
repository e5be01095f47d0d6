"""GET /reviews/product/{product_id}: a good's reviews, newest first; approved only unless the caller is staff."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, optional_principal
from shop_shared.models.common import DEFAULT_LIMIT, GoodId, Limit, NextToken, PageOf
from shop_shared.models.reviews import Review, ReviewStatus

app = create_app()


@app.get("/reviews/product/<product_id>", summary="List a good's reviews")
@errors_from(service.list_for_product)
def list_product_reviews(
    product_id: Annotated[GoodId, Path()],
    principal: Annotated[Principal | None, Depends(optional_principal)],
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    next_token: Annotated[NextToken | None, Query()] = None,
    status: Annotated[ReviewStatus | None, Query()] = None,
) -> PageOf[Review]:
    return service.list_for_product(principal, product_id, status, limit, next_token)


handler = lambda_handler(app)
