"""The HTTP edge every API function shares: resolver factory, error mapping and the Lambda entry point."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, DecimalException
from functools import partial
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import DYNAMODB_CONTEXT
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from shop_shared import startup
from shop_shared.config import check_required, settings
from shop_shared.errors import (
    F,
    InternalError,
    InvalidRequest,
    NoSuchRoute,
    ServiceBusy,
    ServiceTimedOut,
    ShopError,
    declared_errors,
    raises,
)
from shop_shared.models.common import as_json_number
from shop_shared.observability import logger, metrics, tracer

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

# DynamoDB error codes that mean "try again later", not "your request is wrong".
_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "TransactionConflictException",
    }
)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return as_json_number(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# The largest valid body (a good with a 2000-character description, every character \u-escaped) is ~25 KiB.
MAX_BODY_BYTES = 64 * 1024
# Every body is a flat object; the headroom is for clients that wrap nothing deeper than a few levels.
MAX_BODY_DEPTH = 32
# What DynamoDB can store: 38 significant digits, magnitude 1E-130 .. 9.99..E+125.
_DYNAMODB_MIN_EXPONENT = -130
_DYNAMODB_MAX_EXPONENT = 125


def _bad_body(message: str, kind: str, locs: list[list[str]] | None = None) -> InvalidRequest:
    details = [{"loc": loc, "msg": message, "type": kind} for loc in locs or [["body"]]]
    return InvalidRequest(message, details=details)


@dataclass(frozen=True)
class _Unstorable:
    """A JSON number DynamoDB could not store, left in place by the parser so the error can say where it was."""


_UNSTORABLE = _Unstorable()
_UNSTORABLE_MESSAGE = "Numbers must be finite, with at most 38 significant digits, between 1E-130 and 1E+126"


def _number(text: str) -> Decimal | _Unstorable:
    # Money arrives as Decimal so 19.99 is never rounded through a float before validation.
    try:
        # boto3's own context traps what its serializer would refuse (more than 38 digits, clamping, ...).
        value = DYNAMODB_CONTEXT.create_decimal(text)
    except DecimalException:
        return _UNSTORABLE
    if value and not _DYNAMODB_MIN_EXPONENT <= value.adjusted() <= _DYNAMODB_MAX_EXPONENT:
        return _UNSTORABLE
    return value


def _integer(text: str) -> int | _Unstorable:
    # Checked before int(): a literal over 4300 digits would raise ValueError there, not a JSONDecodeError.
    value = _number(text)
    return value if isinstance(value, _Unstorable) else int(value)


def _constant(_: str) -> _Unstorable:
    return _UNSTORABLE  # NaN, Infinity, -Infinity: accepted by Python's json, not JSON numbers


def _check_parsed(value: Any) -> None:
    """Depth and numbers of the parsed body, walked without recursion."""
    unstorable: list[list[str]] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ("body",))]
    while stack:
        node, loc = stack.pop()
        if len(loc) > MAX_BODY_DEPTH:
            raise _bad_body("Request body is nested too deeply", "json_too_deep")
        if isinstance(node, _Unstorable):
            unstorable.append(list(loc))
        elif isinstance(node, dict):
            stack.extend((child, (*loc, str(key))) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, (*loc, str(index))) for index, child in enumerate(node))
    if unstorable:
        raise _bad_body(_UNSTORABLE_MESSAGE, "number_out_of_range", sorted(unstorable))


def _loads(body: str) -> dict[str, Any]:
    """The request body as a JSON object, or a 400: the one place a body's size, shape and numbers are checked."""
    if len(body) > MAX_BODY_BYTES or len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise _bad_body(f"Request body is larger than {MAX_BODY_BYTES} bytes", "body_too_large")
    try:
        value = json.loads(body, parse_float=_number, parse_int=_integer, parse_constant=_constant)
    except RecursionError as exc:
        raise _bad_body("Request body is nested too deeply", "json_too_deep") from exc
    if not isinstance(value, dict):
        # Powertools would otherwise validate the first element of an array as if it were the body.
        raise _bad_body("Request body must be a JSON object", "model_attributes_type")
    _check_parsed(value)
    return value


_dumps = partial(json.dumps, default=_json_default, separators=(",", ":"))


def error_response(error: ShopError) -> Response[Any]:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    body = {"error": error.message, "code": error.code, "details": error.details}
    return Response(status_code=error.status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The offending input is left out on purpose: it may be a password.
    return [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]


def _shop_error(exc: ShopError) -> Response[Any]:
    if exc.status >= 500:
        logger.warning("request failed", extra={"code": exc.code, "error": exc.message})
    return error_response(exc)


def _invalid_request(exc: RequestValidationError) -> Response[Any]:
    return error_response(InvalidRequest(details=_validation_details(exc)))


def _no_route(_: NotFoundError) -> Response[Any]:
    return error_response(NoSuchRoute())


def _aws_error(exc: ClientError) -> Response[Any]:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _RETRYABLE_CODES:
        logger.warning("dependency throttled", extra={"aws_error": code})
        return error_response(ServiceBusy())
    logger.exception("unexpected AWS error")
    return error_response(InternalError())


def _timeout(exc: Exception) -> Response[Any]:
    logger.warning("dependency timed out", extra={"error": type(exc).__name__})
    return error_response(ServiceTimedOut())


def _unexpected(_: Exception) -> Response[Any]:
    # Logged with its traceback for us; the client only ever sees the generic body.
    logger.exception("unhandled error")
    return error_response(InternalError())


def _cors() -> CORSConfig | None:
    """CORS headers on responses to the one configured browser origin (template parameter CorsAllowedOrigin)."""
    origin = settings().cors_allowed_origin
    if not origin:
        return None
    return CORSConfig(allow_origin=origin, allow_headers=list(CORS_REQUEST_HEADERS), max_age=600)


# Headers a browser client sends beyond the CORS-safelisted ones; the template's preflight answer lists the same.
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")


def create_app() -> APIGatewayRestResolver:
    """A REST resolver that validates with pydantic and answers every failure with the contract's error body."""
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=_loads, serializer=_dumps, cors=_cors())
    app.exception_handler(ShopError)(_shop_error)
    app.exception_handler(RequestValidationError)(_invalid_request)
    app.not_found(_no_route)
    app.exception_handler(ClientError)(_aws_error)
    app.exception_handler([ReadTimeoutError, ConnectionError])(_timeout)
    app.exception_handler(Exception)(_unexpected)
    return app


def _treat_body_as_json(event: dict[str, Any]) -> None:
    # The API speaks JSON only; a client that omits Content-Type (or curl's form default) still gets its
    # body parsed as JSON and a clear 400 if it is not, instead of a confusing form-field error.
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    event["headers"] = {**headers, "Content-Type": "application/json"}
    if event.get("multiValueHeaders"):
        multi = {k: v for k, v in event["multiValueHeaders"].items() if k.lower() != "content-type"}
        event["multiValueHeaders"] = {**multi, "Content-Type": ["application/json"]}


def _log_access(event: dict[str, Any], response: dict[str, Any], started: float) -> None:
    # One line per request, as operators expect: the route template (never the path, which carries usernames and
    # ids), never a body or a header. The logger adds the correlation id.
    logger.info(
        "request",
        extra={
            "http_method": event.get("httpMethod"),
            "route": event.get("resource"),
            "status": response.get("statusCode"),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )


def lambda_handler(app: APIGatewayRestResolver) -> LambdaHandler:
    """Wrap a resolver with correlation-id logging, tracing and metrics flushing.

    Called as the handler module is imported, after everything the function uses: a missing environment
    variable fails the cold start here, naming it. It also ends the cold start's garbage-collector pause
    (`shop_shared.startup`).
    """
    check_required()

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        started = time.perf_counter()
        _treat_body_as_json(event)
        response = app.resolve(event, context)
        # A 204 has no body; "" rather than null keeps strict proxies (and MiniStack) from choking on it.
        if response.get("body") is None:
            response["body"] = ""
        _log_access(event, response, started)
        return response

    startup.end()
    return cast(LambdaHandler, handler)


def errors_from(service_function: Callable[..., Any]) -> Callable[[F], F]:
    """Declare that a route may answer with what the service function it calls declares (`errors.raises`):
    the errors are listed once, where they are raised, and the OpenAPI document and the tests read them here."""
    return raises(*declared_errors(service_function))
