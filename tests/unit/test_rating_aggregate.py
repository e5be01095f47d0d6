"""The good's running rating aggregate kept by the moderation job: O(1) per event, exactly once under AWS-like
delivery (batches, late records, redelivery after partial failures, shards out of order), equal to a recount."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from reviews_api import moderation
from reviews_api import service as reviews_service
from shop_shared.data import reviews as reviews_data
from shop_shared.data.reviews import review_id_for
from shop_shared.models.goods import rating_average
from tests.dynamo_usage import dynamodb_usage
from tests.streams import EventSourceMapping, Record, StreamReader, invoke
from tests.unit.conftest import SEED_GOOD_ID, Invoke, LogLines
from tests.unit.review_steps import (
    delete,
    edit,
    employee_decides,
    rating_of,
    recount,
    review,
    stored_aggregate,
    submit,
)


def put_good(good_id: str) -> None:
    boto3.resource("dynamodb").Table("InventoryTable").put_item(
        Item={"id": good_id, "name": "Beans", "category": "food", "price": Decimal("9.50"), "count": 3,
              "rating_avg": Decimal(0), "rating_count": 0}
    )  # fmt: skip


def put_approved_reviews(good_id: str, count: int) -> None:
    """`count` approved reviews of a good, written straight to the table (the past the job has already counted)."""
    with boto3.resource("dynamodb").Table("ReviewsTable").batch_writer() as batch:
        for index in range(count):
            username = f"past{index}"
            batch.put_item(
                Item={"review_id": review_id_for(good_id, username), "product_id": good_id, "username": username,
                      "rating": 1 + index % 5, "comment": "Fine.", "status": "approved",
                      "review_date": f"2026-11-01T00:00:{index % 60:02d}.000Z", "revision": f"r{index}", "version": 1}
            )  # fmt: skip


def items_per_event(call: Invoke, good_id: str) -> list[tuple[str, int, int]]:
    """(event, items read, items written) for each stream record of one review's life, delivered one by one."""
    reader = StreamReader()
    reader.read()  # what the setup wrote
    measured: list[tuple[str, int, int]] = []

    def deliver_each(label: str) -> None:
        while records := reader.read():
            for record in records:
                with dynamodb_usage() as usage:
                    assert invoke([record]) == []
                image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("OldImage") or {}
                status = image.get("status", {}).get("S", "marker")
                measured.append((f"{label}: {record['eventName']} {status}", usage.items_read, usage.items_written))

    review_id = submit(call, "newcomer", 4, "Rich crema.", good=good_id)
    deliver_each("submit")
    edit(call, "newcomer", review_id, rating=2)
    deliver_each("edit")
    employee_decides(call, review_id, "flagged")
    deliver_each("flag")
    employee_decides(call, review_id, "approved")
    deliver_each("approve")
    delete(call, review_id, "newcomer")
    deliver_each("delete")
    return measured


def test_items_per_event_do_not_grow_with_the_reviews_of_a_good(call: Invoke, seed: dict[str, str]) -> None:
    by_size: dict[int, list[tuple[str, int, int]]] = {}
    for size in (10, 100, 1000):
        good_id = f"good-with-{size}-reviews"
        put_good(good_id)
        put_approved_reviews(good_id, size)
        by_size[size] = items_per_event(call, good_id)

    assert by_size[10] == by_size[100] == by_size[1000]
    events = by_size[1000]
    # At most: the verdict's write, one consistent read of the marker, one transaction (marker + the good's ADD).
    assert max(read + written for _, read, written in events) <= 4, events
    assert ("submit: MODIFY approved", 1, 2) in events


def test_a_redelivered_approval_after_a_delete_counts_nothing(call: Invoke, seed: dict[str, str]) -> None:
    reader = StreamReader()
    reader.read()
    review_id = submit(call, "grace", 4, "Solid beans.")
    history: list[dict[str, Any]] = []
    while records := reader.read():
        assert invoke(records) == []
        history += records
    assert stored_aggregate(SEED_GOOD_ID) == (4, 1)
    delete(call, review_id, "grace")
    deliver_all(reader)

    # The approval records arrive again, late (a replayed batch, a poller restart), after the delete.
    assert invoke(history) == []
    assert invoke(history[::-1]) == []

    assert stored_aggregate(SEED_GOOD_ID) == recount(SEED_GOOD_ID) == (0, 0)
    assert rating_of(call) == (Decimal(0), 0)


def test_partial_failure_redelivers_records_already_counted_without_counting_them_twice(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = StreamReader()
    reader.read()
    first = submit(call, "grace", 5, "Lovely.")
    submit(call, "linus", 3, "Fine, a bit flat.")
    assert invoke(reader.read()) == []  # judged: the approvals are now in the stream
    approvals = reader.read()
    assert [record["eventName"] for record in approvals] == ["MODIFY", "MODIFY"]
    real_move = reviews_data.move_rating_contribution
    throttled = {first}

    def throttled_once(review_id: str, *args: Any) -> bool:
        if review_id in throttled:
            throttled.discard(review_id)
            raise RuntimeError("ProvisionedThroughputExceededException")
        return real_move(review_id, *args)

    monkeypatch.setattr(reviews_data, "move_rating_contribution", throttled_once)

    failures = invoke(approvals)
    assert failures == [approvals[0]["dynamodb"]["SequenceNumber"]]
    # Lambda retries from the first failed record: the second one, already counted, comes again.
    assert invoke(approvals) == []
    assert invoke(approvals) == []
    deliver_all(reader)

    assert stored_aggregate(SEED_GOOD_ID) == recount(SEED_GOOD_ID) == (8, 2)
    assert rating_of(call) == (Decimal(4), 2)


def test_sequence_numbers_compare_as_numbers_across_a_change_of_length(call: Invoke, seed: dict[str, str]) -> None:
    # Record 1 is the seed's; 2 the submit, 3 the approval, 4 the job's marker: 21 digits ("9999...").
    # From record 5 on (the employee's flag) they have 22 digits ("1000..."), as AWS's do as they grow.
    reader = StreamReader(aws_sequence_numbers=4)
    reader.read()
    submit(call, "grace", 4, "Solid beans.")
    (insert,) = reader.read()
    assert invoke([insert]) == []
    (approval,) = reader.read()
    assert invoke([approval]) == []
    assert invoke(reader.read()) == []
    employee_decides(call, review_id_for(SEED_GOOD_ID, "grace"), "flagged")
    (flag,) = reader.read()
    assert len(flag["dynamodb"]["SequenceNumber"]) == len(approval["dynamodb"]["SequenceNumber"]) + 1
    assert invoke([flag]) == []

    assert invoke([approval]) == []  # late redelivery of the older (shorter) record

    assert stored_aggregate(SEED_GOOD_ID) == recount(SEED_GOOD_ID) == (0, 0)


def deliver_all(reader: StreamReader) -> None:
    """Everything the stream holds, including the records the job's own writes produce, each batch succeeding."""
    while records := reader.read():
        assert invoke(records) == []


def judged_review_and_its_approval(call: Invoke) -> tuple[str, Record]:
    """Grace's 4-star review, judged (approved) by the job, and the approval's stream record, not yet delivered."""
    reader = StreamReader()
    reader.read()
    review_id = submit(call, "grace", 4, "Solid beans.")
    assert invoke(reader.read()) == []  # judged: approved
    (approval,) = reader.read()
    return review_id, approval


def reviews_table() -> Any:
    return boto3.resource("dynamodb").Table("ReviewsTable")


@pytest.mark.parametrize("rating", [6, 0, Decimal("2.5")])
def test_an_approved_rating_that_is_not_1_to_5_counts_nothing(
    call: Invoke, seed: dict[str, str], rating: Decimal | int
) -> None:
    reader = StreamReader()
    reader.read()
    # A corrupt item written around the API: approved, but with a rating no review can have.
    reviews_table().put_item(
        Item={"review_id": review_id_for(SEED_GOOD_ID, "mallory"), "product_id": SEED_GOOD_ID, "username": "mallory",
              "rating": rating, "comment": "Odd.", "status": "approved", "review_date": "2026-11-01T00:00:00.000Z",
              "revision": "r-corrupt", "version": 1}
    )  # fmt: skip
    submit(call, "grace", 4, "Solid beans.")

    deliver_all(reader)

    assert stored_aggregate(SEED_GOOD_ID) == (4, 1)
    assert rating_of(call) == (Decimal(4), 1)


def test_a_marker_that_holds_a_good_but_no_rating_counts_nothing(call: Invoke, seed: dict[str, str]) -> None:
    reader = StreamReader()
    reader.read()
    review_id = review_id_for(SEED_GOOD_ID, "grace")
    # A marker left with its good but without its rating (a hand fix gone half way): nothing is counted for it.
    reviews_table().put_item(
        Item={"review_id": f"rating#{review_id}", "counted_product": SEED_GOOD_ID, "sequence_number": "0"}
    )
    submit(call, "grace", 4, "Solid beans.")

    deliver_all(reader)

    assert stored_aggregate(SEED_GOOD_ID) == recount(SEED_GOOD_ID) == (4, 1)


def test_a_record_given_up_on_is_made_good_by_the_next_change_of_its_review(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = StreamReader()
    reader.read()
    review_id = submit(call, "grace", 3, "Fine, a bit flat.")
    deliver_all(reader)
    assert stored_aggregate(SEED_GOOD_ID) == (3, 1)

    edit(call, "grace", review_id, rating=4)
    (edit_record,) = reader.read()
    real_move = reviews_data.move_rating_contribution

    def throttled(*args: Any) -> bool:
        raise RuntimeError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(reviews_data, "move_rating_contribution", throttled)
    # Judged (approved again), but its counting failed every retry: Lambda gives the record up (the DLQ).
    assert invoke([edit_record]) == [edit_record["dynamodb"]["SequenceNumber"]]
    monkeypatch.setattr(reviews_data, "move_rating_contribution", real_move)
    assert stored_aggregate(SEED_GOOD_ID) == (3, 1)

    # The approval's own record moves the counted 3 to a 4 on the same good: the sum moves, the count does not.
    deliver_all(reader)

    assert stored_aggregate(SEED_GOOD_ID) == recount(SEED_GOOD_ID) == (4, 1)
    assert rating_of(call) == (Decimal(4), 1)


def test_a_marker_moved_by_another_invocation_meanwhile_is_read_again(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = StreamReader()
    reader.read()
    review_id = submit(call, "grace", 3, "Fine, a bit flat.")
    deliver_all(reader)
    edit(call, "grace", review_id, rating=5)  # pending, not yet judged
    employee_decides(call, review_id, "approved")
    edit_record, approval = reader.read()
    real_read = reviews_data.read_rating_marker
    concurrent = [edit_record]

    def read_while_another_invocation_handles_the_edit(marked_review: str) -> reviews_data.RatingMarker:
        marker = real_read(marked_review)
        if concurrent:
            # Between this read and its write, another invocation counts the edit (approved 3 -> pending): the
            # marker moves on from what was read, and the approval's transaction is cancelled.
            moderation.record_handler(DynamoDBRecord(concurrent.pop()))
        return marker

    monkeypatch.setattr(reviews_data, "read_rating_marker", read_while_another_invocation_handles_the_edit)
    assert invoke([approval]) == []
    monkeypatch.undo()
    deliver_all(reader)

    assert review(review_id)["status"] == "approved"
    assert stored_aggregate(SEED_GOOD_ID) == recount(SEED_GOOD_ID) == (5, 1)
    assert rating_of(call) == (Decimal(5), 1)


def test_a_marker_that_keeps_changing_fails_the_record_with_an_error_naming_the_review(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch, log_lines: LogLines
) -> None:
    review_id, approval = judged_review_and_its_approval(call)
    real_read = reviews_data.read_rating_marker
    other_records = iter(range(1, 10))

    def read_while_other_invocations_keep_moving_it(marked_review: str) -> reviews_data.RatingMarker:
        marker = real_read(marked_review)
        # Between each read and its write another invocation moves the marker (to a record older than ours).
        reviews_table().put_item(
            Item={"review_id": f"rating#{marked_review}", "sequence_number": str(next(other_records))}
        )
        return marker

    monkeypatch.setattr(reviews_data, "read_rating_marker", read_while_other_invocations_keep_moving_it)
    logged_before = len(log_lines())

    assert invoke([approval]) == [approval["dynamodb"]["SequenceNumber"]]

    errors = [line for line in log_lines()[logged_before:] if line["level"] == "ERROR"]
    assert [(line["message"], line["sequence_number"], line["exception_name"]) for line in errors] == [
        ("stream record failed", approval["dynamodb"]["SequenceNumber"], "RuntimeError")
    ]
    assert errors[0]["exception"].endswith(f"RuntimeError: rating marker of review {review_id} kept changing")
    assert stored_aggregate(SEED_GOOD_ID) == (0, 0)


def test_the_job_stamps_the_marker_and_the_good_with_when_it_counted(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    review_id, approval = judged_review_and_its_approval(call)
    monkeypatch.setattr(reviews_service, "utc_now", lambda: "2026-11-25T10:00:00.000Z")

    assert invoke([approval]) == []

    marker = reviews_table().get_item(Key={"review_id": f"rating#{review_id}"})["Item"]
    assert marker == {
        "review_id": f"rating#{review_id}",
        "counted_product": SEED_GOOD_ID,
        "counted_rating": 4,
        "sequence_number": approval["dynamodb"]["SequenceNumber"],
        "updated_at": "2026-11-25T10:00:00.000Z",
    }
    good = boto3.resource("dynamodb").Table("InventoryTable").get_item(Key={"id": SEED_GOOD_ID})["Item"]
    assert good["rating_updated_at"] == "2026-11-25T10:00:00.000Z"


COMMENTS = [
    "Rich crema and a fresh roast date.",
    "Fine, a bit flat.",
    "",  # an extreme rating without comment is flagged
    "Cheaper at www.beans4less.net",
    "This is sh\u200bit",
    "Too sour for me, would not buy again.",
]


def random_traffic(call: Invoke, rng: random.Random, goods: list[str], users: list[str]) -> None:
    """One random author/employee action on one (good, customer) pair, through the API."""
    good = rng.choice(goods)
    user = rng.choice(users)
    review_id = review_id_for(good, user)
    exists = "Item" in boto3.resource("dynamodb").Table("ReviewsTable").get_item(Key={"review_id": review_id})
    if not exists:
        submit(call, user, rng.randint(1, 5), rng.choice(COMMENTS), good=good)
        return
    action = rng.choice(["edit rating", "edit comment", "delete", "employee delete", "approve", "flag"])
    if action == "edit rating":
        edit(call, user, review_id, rating=rng.randint(1, 5))
    elif action == "edit comment":
        edit(call, user, review_id, comment=rng.choice(COMMENTS))
    elif action == "delete":
        delete(call, review_id, user)
    elif action == "employee delete":
        delete(call, review_id)
    else:
        employee_decides(call, review_id, "approved" if action == "approve" else "flagged")


@pytest.mark.parametrize("seed_value", [1, 2])
def test_aggregate_equals_a_recount_after_random_traffic_with_aws_like_delivery(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch, seed_value: int
) -> None:
    rng = random.Random(seed_value)  # noqa: S311 - a reproducible schedule, not a secret
    goods = [SEED_GOOD_ID, "second-good"]
    put_good("second-good")
    users = [f"user{index}" for index in range(6)]
    # Sequence numbers change length mid-run; 4 shards taken in random order; batches of 1-25 records; 15 % of
    # successful batches delivered again; 10 % of invocations followed by a replay of long-delivered records;
    # 10 % of the job's writes throttled (partial failures, retried from the failed record).
    mapping = EventSourceMapping(
        StreamReader(aws_sequence_numbers=40),
        shards=4,
        seed=seed_value,
        redelivery=0.15,
        stale_replay=0.1,
        max_retries=50,
    )
    faults = random.Random(seed_value * 7919)  # noqa: S311
    for name in ("move_rating_contribution", "record_auto_decision"):
        real = getattr(reviews_data, name)

        def flaky(*args: Any, _real: Any = real) -> Any:
            if faults.random() < 0.1:
                raise RuntimeError("ProvisionedThroughputExceededException")
            return _real(*args)

        monkeypatch.setattr(reviews_data, name, flaky)

    for _ in range(100):
        random_traffic(call, rng, goods, users)
        mapping.poll()
        for _ in range(rng.randint(0, 3)):  # the stream lags behind the writes by a varying amount
            if mapping.pending():
                mapping.step()
    mapping.drain()

    assert mapping.given_up == []
    for good in goods:
        total, count = recount(good)
        assert stored_aggregate(good) == (total, count)
        assert rating_of(call, good) == (rating_average(Decimal(total), Decimal(count)), count)
    assert any(recount(good)[1] for good in goods)  # the run did approve something
