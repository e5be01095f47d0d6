"""An AWS-like DynamoDB stream -> Lambda delivery, in-process on moto, for the moderation job's tests.

The local emulator (MiniStack) delivers stream records one at a time, about every 50 ms, ignores the batching
window and retries a failed invocation forever; on AWS the event source mapping does what these classes do:

- `StreamReader` reads the table's real stream records from moto (DescribeStream, GetShardIterator, GetRecords)
  and shapes them as Lambda's event has them. Optionally it renumbers them into AWS-like sequence numbers whose
  length grows from 21 to 22 digits, so a textual comparison of sequence numbers gets caught.
- `EventSourceMapping` spreads the records over several shards by key (one key always lands in one shard, in
  order, as in DynamoDB), picks shards in a seeded random order (records of different keys arrive out of
  order), takes up to `batch_size` records per invocation (several records of one key in one batch; records of
  items deleted meanwhile arrive late), and after an invocation: checkpoints past the batch, or, on a partial
  failure, re-delivers from the first failed record; with `redelivery` > 0 it also re-delivers whole batches
  that succeeded (a timed-out invocation whose work was done), and with `stale_replay` > 0 it sends again a
  run of records delivered long ago (an event source mapping re-created at an older position, a replay from the
  dead-letter queue): records of items since changed or deleted arriving late.

Nothing here sleeps or depends on timing; given a seed, a run is reproducible.
"""

from __future__ import annotations

import random
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from reviews_api import moderation
from tests.unit import iam
from tests.unit.conftest import LambdaContext

Record = dict[str, Any]
Handler = Callable[[dict[str, Any], Any], Any]


def moderation_handler(event: dict[str, Any], context: Any) -> Any:
    """The job as Lambda runs it: under its own role (tests/unit/iam.py), a call it is not granted failing."""
    with iam.running_as(iam.function_for_handler(moderation.__name__)) as role:
        result = moderation.handler(event, context)
    iam.assert_authorised(role)
    return result


class StreamReader:
    """The new records of a table's stream since the last read, as Lambda passes them to the function."""

    def __init__(self, table_name: str = "ReviewsTable", *, aws_sequence_numbers: int | None = None) -> None:
        """`aws_sequence_numbers=N`: renumber so the first N records have 21 digits and the rest 22 or more."""
        self.client: Any = boto3.client("dynamodbstreams")
        self.arn: str = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._last: dict[str, str] = {}  # shard id -> sequence number of the last record read (the checkpoint)
        self._renumber_from = None if aws_sequence_numbers is None else 10**21 - aws_sequence_numbers
        self._count = 0

    def read(self) -> list[Record]:
        records: list[Record] = []
        for shard in self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            while True:
                # A fresh iterator from the checkpoint on every read, never a kept NextShardIterator: moto rolls a
                # cancelled transaction back by swapping in a copy of the table, stream included, and an old
                # iterator would go on reading the discarded copy.
                position: dict[str, str] = {"ShardIteratorType": "TRIM_HORIZON"}
                if shard_id in self._last:
                    position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._last[shard_id]}
                iterator = self.client.get_shard_iterator(StreamArn=self.arn, ShardId=shard_id, **position)
                page = self.client.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)
                if not page["Records"]:
                    break
                records += page["Records"]
                self._last[shard_id] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
        return [self._as_lambda_sees_it(record) for record in records]

    def _as_lambda_sees_it(self, record: Record) -> Record:
        dynamodb = dict(record["dynamodb"])
        created = dynamodb.get("ApproximateCreationDateTime")
        if created is not None and not isinstance(created, int | float):
            dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
        if self._renumber_from is not None:
            dynamodb["SequenceNumber"] = str(self._renumber_from + self._count)
        self._count += 1
        return {**record, "dynamodb": dynamodb, "eventSourceARN": self.arn}


def invoke(records: list[Record], handler: Handler = moderation_handler) -> list[str]:
    """One invocation with these records; the sequence numbers reported in batchItemFailures."""
    result = handler({"Records": records}, LambdaContext())
    return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def key_of(record: Record) -> str:
    return repr(sorted(record["dynamodb"]["Keys"].items()))


@dataclass
class EventSourceMapping:
    """Lambda's DynamoDB event source mapping, with the AWS behaviours the local emulator lacks (module doc)."""

    reader: StreamReader
    handler: Handler = moderation_handler
    batch_size: int = 25
    shards: int = 4
    seed: int = 0
    redelivery: float = 0.0  # chance that a successful batch is delivered again
    stale_replay: float = 0.0  # chance, per invocation, of also re-sending a run of long-delivered records
    max_retries: int = 5
    invocations: int = 0
    given_up: list[Record] = field(default_factory=list)  # what would go to the on-failure destination
    _queues: list[deque[Record]] = field(init=False)
    _attempts: dict[str, int] = field(init=False, default_factory=dict)
    _delivered: list[list[Record]] = field(init=False)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._queues = [deque() for _ in range(self.shards)]
        self._delivered = [[] for _ in range(self.shards)]
        self._rng = random.Random(self.seed)  # noqa: S311 - reproducible test schedules, not secrets

    def poll(self) -> int:
        """Take the stream's new records into the shards; how many arrived."""
        records = self.reader.read()
        for record in records:
            self._queues[zlib.crc32(key_of(record).encode()) % self.shards].append(record)
        return len(records)

    def pending(self) -> int:
        return sum(len(queue) for queue in self._queues)

    def step(self) -> None:
        """One invocation: a random shard with records, a random batch size up to `batch_size`."""
        shard = self._rng.choice([index for index, queue in enumerate(self._queues) if queue])
        queue = self._queues[shard]
        batch = [queue[index] for index in range(min(len(queue), self._rng.randint(1, self.batch_size)))]
        self.deliver_from(shard, batch)
        if self.stale_replay and self._rng.random() < self.stale_replay:
            self.replay_stale()

    def replay_stale(self) -> None:
        """Send again a run of records that were delivered and checkpointed earlier; failures are not retried."""
        shard = self._rng.choice([index for index, done in enumerate(self._delivered) if done] or [None])
        if shard is None:
            return
        done = self._delivered[shard]
        start = self._rng.randrange(len(done))
        self.invocations += 1
        invoke(done[start : start + self._rng.randint(1, self.batch_size)], self.handler)

    def deliver_from(self, shard: int, batch: list[Record]) -> None:
        queue = self._queues[shard]
        self.invocations += 1
        failures = invoke(batch, self.handler)
        if failures:
            # ReportBatchItemFailures: checkpoint before the lowest failed sequence number, retry from there.
            first = min(int(sequence) for sequence in failures)
            done = [record for record in batch if int(record["dynamodb"]["SequenceNumber"]) < first]
            for _ in done:
                self._delivered[shard].append(queue.popleft())
            head = queue[0]["dynamodb"]["SequenceNumber"]
            self._attempts[head] = self._attempts.get(head, 0) + 1
            if self._attempts[head] > self.max_retries:
                self.given_up.append(queue.popleft())
            return
        if self.redelivery and self._rng.random() < self.redelivery:
            return  # the work was done but the checkpoint was not: the same batch comes again
        for _ in batch:
            self._delivered[shard].append(queue.popleft())

    def drain(self, max_invocations: int = 100_000) -> None:
        """Deliver until the stream (including the records the job's own writes produce) is quiet."""
        while self.poll() or self.pending():
            while self.pending():
                self.step()
                if self.invocations > max_invocations:
                    raise AssertionError("the stream did not settle")
