"""One Logger, Tracer and Metrics per process; service name and namespace come from POWERTOOLS_* env vars."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
