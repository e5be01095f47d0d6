"""POST /reviews/submit: a customer reviews a good, once; the review waits in `pending` for moderation."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response, content_types

from reviews_api import service
from shop_shared.api import create_app, errors_from, lambda_handler
from shop_shared.auth import Principal, customer
from shop_shared.models.reviews import Review, SubmitReviewRequest

app = create_app()


@app.post("/reviews/submit", summary="Submit a review")
@errors_from(service.submit)
def submit_review(body: SubmitReviewRequest, principal: Annotated[Principal, Depends(customer)]) -> Response[Review]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=service.submit(principal, body))


handler = lambda_handler(app)
