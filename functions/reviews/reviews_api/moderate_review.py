"""PATCH /reviews/{id}/moderate: an employee approves or flags a review; the moderation job never overrides it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, employee
from shop_shared.models.common import ReviewId
from shop_shared.models.reviews import ModerateRequest, Review

app = create_app()


@app.patch("/reviews/<id>/moderate", summary="Moderate a review (employees)")
@errors_from(service.moderate)
def moderate_review(
    id: Annotated[ReviewId, Path()],
    body: ModerateRequest,
    principal: Annotated[Principal, Depends(employee)],
) -> Review:
    return service.moderate(principal, id, body)


handler = lambda_handler(app)
