"""DELETE /reviews/{id}/delete: the author or an employee removes a review."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, authenticated
from shop_shared.models.common import ReviewId

app = create_app()


@app.delete("/reviews/<id>/delete", summary="Delete a review")
@errors_from(service.delete)
def delete_review(
    id: Annotated[ReviewId, Path()],
    principal: Annotated[Principal, Depends(authenticated)],
) -> Response[None]:
    service.delete(principal, id)
    return Response(status_code=204)


handler = lambda_handler(app)
