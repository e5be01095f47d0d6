"""`make redrive` (shopctl dlq redrive) on the local stack: a failed-batch record on the moderation DLQ, in the
shape Lambda's on-failure destination writes, is read back from the reviews stream and run through the job."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from shopctl import devloop, dlq, localstack
from tests.e2e.conftest import Api
from tests.e2e.local_aws import aws_env, local_aws

ROOT = Path(__file__).resolve().parents[2]
NO_RATING: dict[str, Any] = {"rating_avg": Decimal(0), "rating_count": 0}


@pytest.fixture
def clients(deployment: localstack.Deployment) -> Iterator[dict[str, Any]]:
    with local_aws(deployment):
        yield {name: boto3.client(name) for name in ("lambda", "sqs", "dynamodb", "dynamodbstreams")}


@pytest.fixture
def moderation_paused(clients: dict[str, Any], deployment: localstack.Deployment) -> Iterator[str]:
    """The stream mapping off, so the job leaves new records alone (as if it had failed them) and sends nothing
    else to the DLQ meanwhile; the DLQ emptied of what earlier tests' poison records left. Yields the DLQ URL."""
    with local_aws(deployment):
        by_id = devloop.stack_resources(deployment.stack_name)
    function = by_id["ReviewModerationFunction"]
    (mapping,) = clients["lambda"].list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    clients["lambda"].update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    queue_url = by_id["ReviewModerationDLQ"]
    clients["sqs"].purge_queue(QueueUrl=queue_url)
    try:
        yield queue_url
    finally:
        clients["lambda"].update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)


def stream_record(clients: dict[str, Any], stream_arn: str, review_id: str) -> tuple[str, str]:
    """(shard id, sequence number) of the INSERT of `review_id` in the reviews stream."""
    streams = clients["dynamodbstreams"]
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                image = record["dynamodb"].get("NewImage", {})
                if record["eventName"] == "INSERT" and image.get("review_id", {}).get("S") == review_id:
                    return shard["ShardId"], record["dynamodb"]["SequenceNumber"]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    raise AssertionError(f"no stream record for review {review_id}")


def failure_record(function_arn: str, stream_arn: str, shard_id: str, sequence: str) -> dict[str, Any]:
    """What Lambda sends to a stream source's on-failure destination: a pointer to the batch, not the records."""
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 6,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": "2026-11-25T00:00:00.000Z",
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": sequence,
            "endSequenceNumber": sequence,
            "approximateArrivalOfFirstRecord": "2026-11-25T00:00:00.000Z",
            "approximateArrivalOfLastRecord": "2026-11-25T00:00:00.000Z",
            "batchSize": 1,
            "streamArn": stream_arn,
        },
    }


def test_redrive_runs_the_failed_batch_through_the_job_and_empties_the_dlq(
    api: Api,
    customer: tuple[str, str],
    clients: dict[str, Any],
    moderation_paused: str,
    deployment: localstack.Deployment,
) -> None:
    queue_url = moderation_paused
    good_id = str(uuid.uuid4())
    with local_aws(deployment):
        dynamodb = boto3.resource("dynamodb")
    inventory = dynamodb.Table(deployment.outputs["InventoryTableName"])
    reviews = dynamodb.Table(deployment.outputs["ReviewsTableName"])
    inventory.put_item(
        Item={"id": good_id, "name": "Redrive roast", "category": "food", "price": Decimal("7.50"), **NO_RATING}
    )
    _, token = customer
    submitted = api.post("/reviews/submit", token, json={"product_id": good_id, "rating": 4, "comment": "Nice."})
    assert submitted.status_code == 201, submitted.text
    review_id = submitted.json()["review_id"]
    table = clients["dynamodb"].describe_table(TableName=deployment.outputs["ReviewsTableName"])["Table"]
    stream_arn = table["LatestStreamArn"]
    shard_id, sequence = stream_record(clients, stream_arn, review_id)
    with local_aws(deployment):
        function = devloop.stack_resources(deployment.stack_name)["ReviewModerationFunction"]
    function_arn = clients["lambda"].get_function_configuration(FunctionName=function)["FunctionArn"]
    clients["sqs"].send_message(
        QueueUrl=queue_url, MessageBody=json.dumps(failure_record(function_arn, stream_arn, shard_id, sequence))
    )
    assert reviews.get_item(Key={"review_id": review_id}, ConsistentRead=True)["Item"]["status"] == "pending"

    port = deployment.endpoint.rsplit(":", 1)[1]
    result = subprocess.run(  # noqa: S603
        ["make", f"LOCAL_PORT={port}", f"PYTHON={sys.executable}", "redrive"],  # noqa: S607
        cwd=ROOT,
        env=aws_env(deployment),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "messages read: 1, deleted: 1, kept: 0" in result.stdout
    assert "records re-sent: 1, processed: 1, failed: 0" in result.stdout
    review = reviews.get_item(Key={"review_id": review_id}, ConsistentRead=True)["Item"]
    assert review["status"] == "approved"
    assert review["moderated_by"] == "auto-moderator"
    assert clients["sqs"].receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", []) == []


def test_redrive_keeps_and_reports_a_message_it_cannot_use(
    clients: dict[str, Any], moderation_paused: str, deployment: localstack.Deployment
) -> None:
    queue_url = moderation_paused
    clients["sqs"].send_message(QueueUrl=queue_url, MessageBody=json.dumps({"not": "a failure record"}))

    with local_aws(deployment):
        report = dlq.redrive(deployment.stack_name)

    assert (report.messages, report.messages_deleted, report.records) == (1, 0, 0)
    assert "not a DynamoDB stream failure record" in report.problems[0]
