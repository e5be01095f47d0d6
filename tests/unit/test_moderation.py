"""The moderation rules (pure) and the stream-triggered moderation job, fed real records from moto's stream."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest

from reviews_api import moderation as job
from reviews_api import service
from shop_shared import auth, moderation
from shop_shared.data import reviews as reviews_data
from tests.unit.conftest import SEED_GOOD_ID, SEED_RETIRED_GOOD_ID, SEED_REVIEW_ID, Invoke, LambdaContext

# ---------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("rating", "comment"),
    [
        (4, "Rich crema and a fresh roast date; arrived in two days."),
        (5, "Great value"),
        (3, ""),
        (2, "Bitter. I'd not buy again, sorry."),
        (5, "5 stars, 12.50 for 1 kg is fair. Ordered 2024-11-03."),
        (4, "First class roast, no assessment needed: a passion of mine. Scunthorpe approved."),
        (4, "Loved it.Me and my wife drink it daily"),
        (5, "Great!!! Really good..."),
        (4, "Tastes like NYC street coffee, in a good way"),
    ],
)
def test_clean_reviews_are_approved(rating: int, comment: str) -> None:
    decision = moderation.evaluate(rating, comment)
    assert decision == moderation.Decision("approved", moderation.CLEAN)
    assert decision.reason == "passed the automatic checks"


@pytest.mark.parametrize(
    ("comment", "rule"),
    [
        ("This is shit", moderation.BANNED_WORD),
        ("total sh1t", moderation.BANNED_WORD),
        ("$hit product", moderation.BANNED_WORD),
        ("what a fuuuuuck up", moderation.BANNED_WORD),
        ("the seller is an a$$", moderation.BANNED_WORD),
        ("B1TCH of a grinder", moderation.BANNED_WORD),
        ("Buy cheaper at http://cheap.example", moderation.CONTACT_DETAILS),
        ("see www.beans4less.net", moderation.CONTACT_DETAILS),
        ("better beans at beans4less.com", moderation.CONTACT_DETAILS),
        ("mail me: joe.bloggs+beans@example.org", moderation.CONTACT_DETAILS),
        ("Call me on +44 20 7946 0958 for a deal", moderation.CONTACT_DETAILS),
        ("whatsapp 0612345678", moderation.CONTACT_DETAILS),
        ("THIS IS THE WORST COFFEE I HAVE EVER HAD", moderation.SHOUTING),
        ("soooooooo good", moderation.REPEATED_CHARACTERS),
        ("Why?!?!?!?!", moderation.REPEATED_CHARACTERS),
        ("ok......... fine", moderation.REPEATED_CHARACTERS),
    ],
)
def test_objectionable_reviews_are_flagged_with_the_rule(comment: str, rule: str) -> None:
    decision = moderation.evaluate(3, comment)
    assert decision.status == "flagged"
    assert decision.rule == rule
    assert decision.reason == moderation.REASONS[rule]


@pytest.mark.parametrize(("rating", "comment"), [(5, ""), (1, ""), (5, "ok"), (1, "!!"), (5, " :) ")])
def test_extreme_rating_without_a_real_comment_is_flagged(rating: int, comment: str) -> None:
    assert moderation.evaluate(rating, comment).rule == moderation.EXTREME_RATING_WITHOUT_COMMENT


def test_short_capitals_are_not_shouting() -> None:
    assert not moderation.is_shouting("BEST BEANS")
    assert moderation.is_shouting("BEST BEANS I HAVE EVER BOUGHT, really")


def test_banned_word_list_is_loaded_and_normalised() -> None:
    words = moderation.banned_words()
    assert len(words) >= 30
    assert all(word == word.strip().lower() and word.isalpha() for word in words)
    assert moderation.has_banned_word("h0ll0w", frozenset({"hollow"}))


# ---------------------------------------------------------------- the job, on moto's stream


class Stream:
    """Reads the reviews table's stream from moto and feeds new records to the moderation handler."""

    def __init__(self) -> None:
        self.client: Any = boto3.client("dynamodbstreams")
        self.arn = boto3.client("dynamodb").describe_table(TableName="ReviewsTable")["Table"]["LatestStreamArn"]
        self.consumed = 0

    def all_records(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for shard in self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            iterator = self.client.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            records += self.client.get_records(ShardIterator=iterator)["Records"]
        return [self._as_lambda_sees_it(record) for record in records]

    def _as_lambda_sees_it(self, record: dict[str, Any]) -> dict[str, Any]:
        dynamodb = dict(record["dynamodb"])
        created = dynamodb.get("ApproximateCreationDateTime")
        if created is not None and not isinstance(created, int | float):
            dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
        return {**record, "dynamodb": dynamodb, "eventSourceARN": self.arn}

    def take(self) -> list[dict[str, Any]]:
        records = self.all_records()[self.consumed :]
        self.consumed += len(records)
        return records

    def skip(self) -> None:
        self.take()

    def drain(self) -> list[dict[str, Any]]:
        """Deliver everything, including the records the job's own writes produce, until the stream is quiet."""
        delivered: list[dict[str, Any]] = []
        while batch := self.take():
            assert deliver(batch) == []
            delivered += batch
        return delivered


def deliver(records: list[dict[str, Any]]) -> list[str]:
    result = job.handler({"Records": records}, LambdaContext())
    return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


@pytest.fixture
def stream(seed: dict[str, str]) -> Stream:
    feed = Stream()
    feed.skip()  # the seed data's own records
    return feed


SUBMIT = ("reviews_api.submit_review", "POST", "/reviews/submit")
UPDATE = ("reviews_api.update_review", "PATCH", "/reviews/{id}/update")
DELETE = ("reviews_api.delete_review", "DELETE", "/reviews/{id}/delete")
MODERATE = ("reviews_api.moderate_review", "PATCH", "/reviews/{id}/moderate")


def employee_token() -> str:
    return auth.issue_token("boss", auth.EMPLOYEE)


def submit(call: Invoke, username: str, rating: int, comment: str) -> str:
    body = {"product_id": SEED_GOOD_ID, "rating": rating, "comment": comment}
    result = call(*SUBMIT, body=body, token=auth.issue_token(username, auth.CUSTOMER))
    assert result.status == 201, result.body
    review_id: str = result.body["review_id"]
    return review_id


def edit(call: Invoke, username: str, review_id: str, **body: Any) -> None:
    assert call(*UPDATE, {"id": review_id}, body=body, token=auth.issue_token(username, auth.CUSTOMER)).status == 200


def employee_decides(call: Invoke, review_id: str, status: str, reason: str | None = None) -> None:
    body = {"status": status} | ({"reason": reason} if reason else {})
    assert call(*MODERATE, {"id": review_id}, body=body, token=employee_token()).status == 200


def review(review_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table("ReviewsTable")
    item: dict[str, Any] = table.get_item(Key={"review_id": review_id})["Item"]
    return item


def rating_of(good_id: str = SEED_GOOD_ID) -> tuple[Decimal, int]:
    good: dict[str, Any] = boto3.resource("dynamodb").Table("InventoryTable").get_item(Key={"id": good_id})["Item"]
    return Decimal(good["rating_avg"]), int(good["rating_count"])


def test_clean_review_is_approved_and_counted(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 5, "Rich crema and a fresh roast date.")

    stream.drain()

    item = review(review_id)
    assert item["status"] == "approved"
    assert item["moderation_source"] == "auto"
    assert item["moderated_by"] == "auto-moderator"
    assert item["moderation_rule"] == "clean"
    assert rating_of() == (Decimal(5), 1)


@pytest.mark.parametrize(
    ("comment", "rule"),
    [
        ("Cheaper at www.beans4less.net, ask for Joe", "contact_details"),
        ("Absolute shit, avoid", "banned_word"),
        ("DO NOT BUY THIS, IT ARRIVED BROKEN AND LATE", "shouting"),
    ],
)
def test_objectionable_review_is_flagged_with_a_reason_and_not_counted(
    call: Invoke, stream: Stream, comment: str, rule: str
) -> None:
    review_id = submit(call, "grace", 2, comment)

    stream.drain()

    item = review(review_id)
    assert item["status"] == "flagged"
    assert item["moderation_rule"] == rule
    assert item["moderation_reason"] == moderation.REASONS[rule]
    assert rating_of() == (Decimal(0), 0)


def test_employee_decision_is_never_overridden_by_a_stale_record(call: Invoke, stream: Stream) -> None:
    clean = submit(call, "grace", 4, "Perfectly fine beans.")
    spammy = submit(call, "linus", 4, "Visit www.beans4less.net")
    employee_decides(call, clean, "flagged", "Fake review ring")
    employee_decides(call, spammy, "approved")

    stream.drain()
    stream.drain()

    assert review(clean)["status"] == "flagged"
    assert review(clean)["moderated_by"] == "boss"
    assert review(spammy)["status"] == "approved"
    assert review(spammy)["moderation_source"] == "employee"
    assert rating_of() == (Decimal(4), 1)


def test_redelivery_changes_nothing(call: Invoke, stream: Stream) -> None:
    first = submit(call, "grace", 5, "Lovely.")
    second = submit(call, "linus", 2, "Meh, a bit sour for me.")
    delivered = stream.drain()
    before = (review(first), review(second), rating_of())

    assert deliver(delivered) == []
    assert deliver(list(reversed(delivered))) == []

    assert (review(first), review(second), rating_of()) == before
    assert rating_of() == (Decimal("3.5"), 2)
    assert stream.take() == []  # refused conditional writes produce no new stream records


def test_verdict_on_an_old_version_is_not_applied_to_an_edit(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Good beans.")
    edit(call, "grace", review_id, comment="Better beans at www.beans4less.net")
    insert, modify = stream.take()

    assert deliver([insert]) == []
    assert review(review_id)["status"] == "pending"  # the clean v1 verdict did not land on v2

    assert deliver([modify]) == []
    assert review(review_id)["status"] == "flagged"
    assert review(review_id)["moderation_rule"] == "contact_details"


def test_rating_follows_approval_edit_moderation_and_delete(call: Invoke, stream: Stream) -> None:
    five = submit(call, "grace", 5, "Excellent, will buy again.")
    two = submit(call, "linus", 2, "Too bitter for my taste.")
    four = submit(call, "ada", 4, "Good everyday coffee.")
    stream.drain()
    assert rating_of() == (Decimal("3.67"), 3)

    edit(call, "grace", five, comment="Now it has shit packaging")  # back to pending, then flagged
    stream.drain()
    assert review(five)["status"] == "flagged"
    assert rating_of() == (Decimal(3), 2)

    employee_decides(call, five, "approved", "Complaint is legitimate")
    stream.drain()
    assert rating_of() == (Decimal("3.67"), 3)

    edit(call, "linus", two, rating=3)  # approved again by the job, with its new rating
    stream.drain()
    assert rating_of() == (Decimal(4), 3)

    employee_decides(call, four, "flagged")
    stream.drain()
    assert rating_of() == (Decimal(4), 2)

    assert call(*DELETE, {"id": five}, token=employee_token()).status == 204
    stream.drain()
    assert rating_of() == (Decimal(3), 1)

    assert call(*DELETE, {"id": two}, token=auth.issue_token("linus", auth.CUSTOMER)).status == 204
    stream.drain()
    assert rating_of() == (Decimal(0), 0)


def test_poison_record_is_reported_and_the_rest_of_the_batch_is_processed(call: Invoke, stream: Stream) -> None:
    table = boto3.resource("dynamodb").Table("ReviewsTable")
    table.put_item(Item={"review_id": "broken-1", "product_id": SEED_GOOD_ID, "status": "pending", "rating": "five"})
    table.put_item(Item={"review_id": "broken-2", "status": "approved"})
    clean = submit(call, "grace", 4, "Solid beans.")
    batch = stream.take()
    assert len(batch) == 3

    failures = deliver(batch)

    assert failures == [record["dynamodb"]["SequenceNumber"] for record in batch[:2]]
    assert review(clean)["status"] == "approved"
    assert review("broken-1")["status"] == "pending"
    stream.drain()
    assert rating_of() == (Decimal(4), 1)


def test_whole_batch_of_poison_is_reported_not_raised(stream: Stream) -> None:
    boto3.resource("dynamodb").Table("ReviewsTable").put_item(Item={"review_id": "broken", "status": "pending"})
    batch = stream.take()
    assert deliver(batch) == [batch[0]["dynamodb"]["SequenceNumber"]]


def test_rating_counts_the_changed_review_even_when_the_index_lags(
    call: Invoke, stream: Stream, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = submit(call, "linus", 2, "Too sour.")
    stream.drain()
    review_id = submit(call, "grace", 4, "Nice and chocolatey.")
    stream.drain()
    # The index has not caught up with the newest approval: the table's own (consistent) read fills the gap.
    monkeypatch.setattr(reviews_data, "approved_ratings", lambda _: {counted: 2})

    service.refresh_rating(SEED_GOOD_ID, review_id)

    assert rating_of() == (Decimal(3), 2)


def test_rating_of_a_removed_good_is_not_written(stream: Stream) -> None:
    service.refresh_rating(SEED_RETIRED_GOOD_ID, SEED_REVIEW_ID)

    inventory = boto3.resource("dynamodb").Table("InventoryTable")
    assert "Item" not in inventory.get_item(Key={"id": SEED_RETIRED_GOOD_ID})
    assert rating_of() == (Decimal(0), 0)


def test_average_is_rounded_half_up_to_cents() -> None:
    assert service.average([]) == Decimal(0)
    assert service.average([5, 4, 4]) == Decimal("4.33")
    assert service.average([1, 2]) == Decimal("1.50")
    assert service.average([5, 5, 4]) == Decimal("4.67")
