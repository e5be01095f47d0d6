"""`shopctl dlq redrive`: send the review stream records the moderation job gave up on back through it.

A stream event source's on-failure destination does not receive the records, only a pointer to the failed batch
(`DDBStreamBatchInfo`: stream, shard, first and last sequence number). So, as AWS documents for stream sources,
the records are read back from the stream (within its 24 h retention) with GetShardIterator + GetRecords and the
function is invoked with them. A message is deleted only when every record of its batch went through; otherwise
it stays on the queue (visible again after its visibility timeout) and is reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shopctl.devloop import invoke, stack_resources

MODERATION_FUNCTION = "ReviewModerationFunction"
DLQ = "ReviewModerationDLQ"


@dataclass
class RedriveReport:
    messages: int = 0
    messages_deleted: int = 0
    records: int = 0
    records_processed: int = 0
    records_failed: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"messages read: {self.messages}, deleted: {self.messages_deleted}, "
            f"kept: {self.messages - self.messages_deleted}",
            f"records re-sent: {self.records}, processed: {self.records_processed}, failed: {self.records_failed}",
            *(f"problem: {problem}" for problem in self.problems),
        ]


def _lambda_record(record: dict[str, Any]) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda delivers it (epoch seconds instead of a datetime)."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**{k: v for k, v in record.items() if k != "dynamodb"}, "dynamodb": change}


def batch_records(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of one failed batch, read back from the stream by sequence number."""
    streams = boto3.client("dynamodbstreams")
    stream_arn = batch["streamArn"]
    first, last = int(batch["startSequenceNumber"]), int(batch["endSequenceNumber"])
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn,
        ShardId=batch["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch["startSequenceNumber"],
    )["ShardIterator"]
    found: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in page["Records"]:
            sequence = int(record["dynamodb"]["SequenceNumber"])
            if sequence > last:
                return found
            if sequence >= first:
                found.append(_lambda_record({**record, "eventSourceARN": stream_arn}))
        if not page["Records"] or len(found) >= int(batch.get("batchSize", 0) or 10**9):
            return found
        iterator = page.get("NextShardIterator")
    return found


def redrive(stack_name: str, max_messages: int = 1000) -> RedriveReport:
    by_id = stack_resources(stack_name)
    queue_url, function_name = by_id[DLQ], by_id[MODERATION_FUNCTION]
    sqs = boto3.client("sqs")
    report = RedriveReport()
    while report.messages < max_messages:
        # The visibility timeout keeps a message we could not redrive from coming back within this run.
        received = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300, WaitTimeSeconds=1
        ).get("Messages", [])
        if not received:
            break
        for message in received:
            report.messages += 1
            if _redrive_one(message, function_name, report):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                report.messages_deleted += 1
    return report


def _redrive_one(message: Mapping[str, Any], function_name: str, report: RedriveReport) -> bool:
    message_id = message["MessageId"]
    try:
        batch = json.loads(message["Body"])["DDBStreamBatchInfo"]
    except (ValueError, KeyError, TypeError):
        report.problems.append(f"{message_id}: not a DynamoDB stream failure record; left on the queue")
        return False
    try:
        records = batch_records(batch)
    except ClientError as exc:  # e.g. TrimmedDataAccessException: older than the stream's 24 h retention
        report.problems.append(f"{message_id}: cannot read the batch from the stream ({exc}); left on the queue")
        return False
    if not records:
        report.problems.append(f"{message_id}: the stream no longer holds the batch's records; left on the queue")
        return False
    report.records += len(records)
    result = invoke(function_name, {"Records": records})
    failures = (result.payload or {}).get("batchItemFailures", []) if isinstance(result.payload, dict) else []
    if result.function_error or failures:
        failed = len(records) if result.function_error else len(failures)
        report.records_failed += failed
        report.records_processed += len(records) - failed
        report.problems.append(
            f"{message_id}: {failed} of {len(records)} records failed again "
            f"({result.function_error or 'batchItemFailures'}); left on the queue"
        )
        return False
    report.records_processed += len(records)
    return True
