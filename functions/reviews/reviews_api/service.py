"""Reviews: who may write and see what, and the moderation job's reaction to each change of the reviews table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from reviews_api import review_rules
from shop_shared import auth
from shop_shared.data import goods
from shop_shared.data import reviews as reviews_table
from shop_shared.data.dynamo import Page
from shop_shared.errors import (
    DuplicateReview,
    Forbidden,
    GoodNotFound,
    InvalidNextToken,
    NotReviewAuthor,
    ReviewDeleteForbidden,
    ReviewNotFound,
    UnapprovedReviewsForbidden,
    raises,
)
from shop_shared.models.common import PageOf, utc_now
from shop_shared.models.reviews import (
    APPROVED,
    PENDING,
    ModerateRequest,
    Review,
    ReviewPatch,
    ReviewRef,
    ReviewStatus,
    StoredReview,
    SubmitReviewRequest,
)
from shop_shared.observability import logger, metrics

_HIDDEN_FROM_PUBLIC = {"moderation_reason": None, "moderation_source": None, "moderated_at": None, "moderated_by": None}


def _is_author_or_employee(principal: auth.Principal | None, item: Mapping[str, Any]) -> bool:
    return principal is not None and (principal.is_employee or principal.username == item.get("username"))


def _visible(principal: auth.Principal | None, item: Mapping[str, Any]) -> bool:
    return item.get("status") == APPROVED or _is_author_or_employee(principal, item)


def _view(principal: auth.Principal | None, item: Mapping[str, Any]) -> Review:
    review = Review.model_validate(item)
    if principal is not None and principal.is_employee:
        return review
    if _is_author_or_employee(principal, item):
        # The author learns why, not which employee decided.
        return review.model_copy(update={"moderated_by": None})
    return review.model_copy(update=_HIDDEN_FROM_PUBLIC)


def _page(principal: auth.Principal | None, page: Page) -> PageOf[Review]:
    items: list[Review] = []
    for item in page.items:
        try:
            items.append(_view(principal, item))
        except ValidationError:
            # An item not written through this API (a bad import, a manual fix) must not break the whole list.
            logger.warning("corrupt review skipped", extra={"review_id": item.get("review_id")})
    return PageOf[Review](items=items, next_token=page.next_token)


def _refusal(principal: auth.Principal, refused: reviews_table.Refused, forbidden: Forbidden) -> Exception:
    # A review the caller may not even see is "not found", so its existence is not leaked by a 403.
    if refused.current is None or not _visible(principal, refused.current):
        return ReviewNotFound()
    return forbidden


@raises(GoodNotFound, DuplicateReview)
def submit(principal: auth.Principal, request: SubmitReviewRequest) -> Review:
    goods.get(request.product_id)
    now = utc_now()
    item: reviews_table.ReviewItem = {
        "review_id": reviews_table.review_id_for(request.product_id, principal.username),
        "product_id": request.product_id,
        "username": principal.username,
        "rating": request.rating,
        "comment": request.comment,
        "status": PENDING,
        "review_date": now,
        "updated_at": now,
        "revision": reviews_table.new_revision(),
        "version": 1,
    }
    reviews_table.create(item)
    metrics.add_metric(name="ReviewSubmitted", unit=MetricUnit.Count, value=1)
    return _view(principal, item)


@raises(ReviewNotFound, NotReviewAuthor)
def update(principal: auth.Principal, review_id: str, patch: ReviewPatch) -> Review:
    changes = patch.model_dump(exclude_unset=True)
    try:
        item = reviews_table.update_by_author(review_id, principal.username, changes, utc_now())
    except reviews_table.Refused as refused:
        raise _refusal(principal, refused, NotReviewAuthor()) from None
    return _view(principal, item)


@raises(ReviewNotFound, ReviewDeleteForbidden)
def delete(principal: auth.Principal, review_id: str) -> None:
    try:
        reviews_table.delete(review_id, author=None if principal.is_employee else principal.username)
    except reviews_table.Refused as refused:
        raise _refusal(principal, refused, ReviewDeleteForbidden()) from None


@raises(ReviewNotFound)
def get(principal: auth.Principal | None, review_id: str) -> Review:
    item = reviews_table.get(review_id)
    if not _visible(principal, item):
        raise ReviewNotFound()
    return _view(principal, item)


def _status_for(privileged: bool, requested: ReviewStatus | None) -> ReviewStatus | None:
    """The status filter a list query runs with: everyone else sees approved reviews only."""
    if privileged:
        return requested
    if requested not in (None, APPROVED):
        raise UnapprovedReviewsForbidden()
    return APPROVED


@raises(UnapprovedReviewsForbidden, InvalidNextToken)
def list_for_product(
    principal: auth.Principal | None, product_id: str, status: ReviewStatus | None, limit: int, next_token: str | None
) -> PageOf[Review]:
    privileged = principal is not None and principal.is_employee
    page = reviews_table.list_by_product(product_id, _status_for(privileged, status), limit, next_token)
    return _page(principal, page)


@raises(UnapprovedReviewsForbidden, InvalidNextToken)
def list_for_customer(
    principal: auth.Principal | None, username: str, status: ReviewStatus | None, limit: int, next_token: str | None
) -> PageOf[Review]:
    privileged = principal is not None and (principal.is_employee or principal.username == username)
    page = reviews_table.list_by_customer(username, _status_for(privileged, status), limit, next_token)
    return _page(principal, page)


@raises(ReviewNotFound)
def moderate(principal: auth.Principal, review_id: str, request: ModerateRequest) -> Review:
    item = reviews_table.record_employee_decision(
        review_id, request.status, principal.username, request.reason, utc_now()
    )
    metrics.add_metric(name=f"ReviewModerated_{request.status}", unit=MetricUnit.Count, value=1)
    return _view(principal, item)


# ---------------------------------------------------------------- moderation job (reviews table stream)


def process_change(keys: dict[str, Any], new_image: dict[str, Any], old_image: dict[str, Any], sequence: str) -> None:
    """React to one stream record: judge a pending review, then move its contribution to the good's rating.

    Raises on an image that is not a review (a poison record); the batch processor reports it as failed.
    """
    review_id = str(keys.get("review_id", ""))
    if reviews_table.is_rating_marker(review_id):
        return  # the job's own bookkeeping, written by count_rating below
    if new_image.get("status") == PENDING:
        auto_moderate(StoredReview.model_validate(new_image))
    # Only a record with an approved side can change what the review contributes: the records of one key form a
    # chain (each old image is the previous new image), so any other record has nothing counted before or after.
    if APPROVED in (old_image.get("status"), new_image.get("status")):
        count_rating(review_id, contribution(new_image), sequence)


def auto_moderate(review: StoredReview) -> bool:
    verdict = review_rules.evaluate(review.rating, review.comment)
    applied = reviews_table.record_auto_decision(review.review_id, review.revision, review.version, verdict, utc_now())
    if applied:
        metrics.add_metric(name=f"ReviewAuto_{verdict.status}", unit=MetricUnit.Count, value=1)
        logger.info(
            "review moderated",
            extra={"review_id": review.review_id, "status": verdict.status, "rule": verdict.rule},
        )
    else:
        # Already decided (redelivery, an employee got there first) or rewritten since: nothing to do.
        logger.info("stale moderation skipped", extra={"review_id": review.review_id, "revision": review.revision})
    return applied


def contribution(image: dict[str, Any]) -> reviews_table.Contribution | None:
    """What a review image adds to its good's aggregate: its rating if approved, nothing otherwise.

    An approved rating that is not an integer 1-5 (a corrupt item) counts as nothing rather than failing every
    later record of the review.
    """
    if image.get("status") != APPROVED:
        return None
    ref = ReviewRef.model_validate(image)
    rating = reviews_table.valid_rating(image.get("rating"))
    return None if rating is None else reviews_table.Contribution(ref.product_id, rating)


def _newer(sequence: str, than: str | None) -> bool:
    # Stream sequence numbers are decimal strings of up to ~40 digits: compare them as numbers, not as text.
    return than is None or int(sequence) > int(than)


# A marker changes under us only if two invocations handle the same review at once (not with one Lambda per
# shard, but cheap to survive); each attempt is one consistent read and one transaction.
_MARKER_ATTEMPTS = 3


def count_rating(review_id: str, after: reviews_table.Contribution | None, sequence: str) -> None:
    """Make the good's running rating_sum / rating_count count `after` for this review, exactly once.

    The review's marker records what is counted and which stream record set it. A record no newer than the
    marker (a redelivery, a retried batch, a record already overtaken) changes nothing, and a record that
    does not change what is counted is not written at all; O(1) items whatever the good's review count.
    """
    for _ in range(_MARKER_ATTEMPTS):
        marker = reviews_table.read_rating_marker(review_id)
        if not _newer(sequence, marker.sequence_number) or marker.counted == after:
            return
        if reviews_table.move_rating_contribution(review_id, marker, after, sequence, utc_now()):
            return
    raise RuntimeError(f"rating marker of review {review_id} kept changing")
