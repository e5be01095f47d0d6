"""GET /reviews/{id}: an approved review is public; others only for their author and employees."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, optional_principal
from shop_shared.models.common import ReviewId
from shop_shared.models.reviews import Review

app = create_app()


@app.get("/reviews/<id>", summary="Get a review")
@errors_from(service.get)
def get_review(
    id: Annotated[ReviewId, Path()],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Review:
    return service.get(principal, id)


handler = lambda_handler(app)
