"""Reviews service request and response models, and the shape the moderation job reads from stream images."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shop_shared.models.common import GoodId, PatchModel, RequestModel, ResponseModel

ReviewStatus = Literal["pending", "approved", "flagged"]
# What a moderator (an employee, or the moderation job applying the review rules) decides of a review.
Verdict = Literal["approved", "flagged"]
ModerationSource = Literal["auto", "employee"]

PENDING: ReviewStatus = "pending"
APPROVED: ReviewStatus = "approved"
FLAGGED: ReviewStatus = "flagged"

Rating = Annotated[StrictInt, Field(ge=1, le=5)]
Comment = Annotated[str, Field(max_length=1000)]
ModerationNote = Annotated[str, Field(min_length=1, max_length=500)]


class SubmitReviewRequest(RequestModel):
    product_id: GoodId
    rating: Rating
    comment: Comment = ""


class ReviewPatch(PatchModel):
    rating: Rating | None = None
    comment: Comment | None = None


class ModerateRequest(RequestModel):
    status: Verdict
    reason: ModerationNote | None = None


class Review(ResponseModel):
    review_id: str
    product_id: str
    username: str
    rating: int
    comment: str
    status: ReviewStatus
    review_date: str
    updated_at: str | None = None
    # Shown to the author and employees only; moderated_by (an employee's username) to employees only.
    moderation_reason: str | None = None
    moderation_source: ModerationSource | None = None
    moderated_at: str | None = None
    moderated_by: str | None = None


class StoredReview(BaseModel):
    """A review as the moderation job needs it from a stream image; anything else there makes the record poison."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    review_id: Annotated[str, Field(min_length=1)]
    product_id: Annotated[str, Field(min_length=1)]
    username: Annotated[str, Field(min_length=1)]
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: str
    status: ReviewStatus
    # The author write this image is of; None only for items written before revisions existed.
    revision: Annotated[str, Field(min_length=1)] | None = None
    version: Annotated[int, Field(ge=1)]


class ReviewRef(BaseModel):
    """Just enough of an image to know whether it counts towards a good's rating."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    review_id: Annotated[str, Field(min_length=1)]
    product_id: Annotated[str, Field(min_length=1)]
    status: str
