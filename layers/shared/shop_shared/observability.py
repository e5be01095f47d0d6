"""One Logger, Tracer and Metrics per process; service name and namespace come from POWERTOOLS_* env vars.

Tracing is switched by the template's `Tracing` parameter (env SHOP_TRACING). Only when it is Active do we build
Powertools' Tracer: creating one imports the X-Ray SDK, which builds a botocore client for sampling and about
doubles a function's cold start, even with POWERTOOLS_TRACE_DISABLED set. Otherwise the handlers get a tracer
with the same decorator that leaves them as they are.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics

Handler = TypeVar("Handler", bound=Callable[..., Any])


class HandlerTracer(Protocol):
    """The part of Powertools' Tracer the handlers use."""

    def capture_lambda_handler(self, *, capture_response: bool = True) -> Callable[[Handler], Handler]: ...


class _XRayTracer:
    def __init__(self) -> None:
        from aws_lambda_powertools.tracing import Tracer  # noqa: PLC0415 - only paid for when tracing is on

        self.powertools = Tracer()

    def capture_lambda_handler(self, *, capture_response: bool = True) -> Callable[[Handler], Handler]:
        decorator = self.powertools.capture_lambda_handler(capture_response=capture_response)
        return cast(Callable[[Handler], Handler], decorator)


class _NoTracer:
    def capture_lambda_handler(self, *, capture_response: bool = True) -> Callable[[Handler], Handler]:
        return _unchanged


def _unchanged(handler: Handler) -> Handler:
    return handler


def tracing_enabled() -> bool:
    return os.environ.get("SHOP_TRACING", "Disabled") == "Active"


def create_tracer() -> HandlerTracer:
    return _XRayTracer() if tracing_enabled() else _NoTracer()


logger = Logger()
tracer = create_tracer()
metrics = Metrics()
