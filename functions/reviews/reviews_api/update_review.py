"""PATCH /reviews/{id}/update: the author changes rating and/or comment; the review goes back to moderation."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import ReviewId
from shop_shared.models.reviews import Review, ReviewPatch

app = create_app()


@app.patch("/reviews/<id>/update", summary="Edit your review")
@errors_from(service.update)
def update_review(
    id: Annotated[ReviewId, Path()],
    body: ReviewPatch,
    principal: Annotated[Principal, Depends(authenticated)],
) -> Review:
    return service.update(principal, id, body)


handler = lambda_handler(app)
