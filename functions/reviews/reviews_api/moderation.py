"""The moderation job: triggered by the reviews table's stream, it judges pending reviews and keeps ratings.

Each record is handled on its own by Powertools' BatchProcessor: a record that fails (a poison image, a throttled
write) is reported in `batchItemFailures` and retried by Lambda (then bisected, then sent to the dead-letter
queue) while the rest of the batch is processed. Every step is idempotent, so redelivery is harmless.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from reviews_api import service
from shop_shared import startup
from shop_shared.config import check_required
from shop_shared.observability import logger, metrics, tracer

check_required()  # a missing environment variable fails the cold start, naming it

# Not raising when every record failed keeps the response a partial-failure report either way: Lambda then
# retries from the first failed record, exactly as it does after an exception, and an emulator that ignores
# batchItemFailures is not left replaying one poison record forever.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    if change is None or change.sequence_number is None:
        raise ValueError("stream record without a dynamodb section or sequence number")
    try:
        service.process_change(change.keys, change.new_image, change.old_image, change.sequence_number)
    except Exception:
        # Logged here with the record's identity; the processor only reports the sequence number to Lambda.
        logger.exception("stream record failed", extra={"sequence_number": change.sequence_number, "keys": change.keys})
        metrics.add_metric(name="ModerationRecordFailed", unit=MetricUnit.Count, value=1)
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


startup.end()  # the handler exists: the cold start's garbage-collector pause ends (shop_shared.startup)
