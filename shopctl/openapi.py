"""One OpenAPI document for the whole API, generated from the handlers that template.yaml deploys.

Each function's Powertools resolver describes its own route; Powertools' OpenAPIMerge joins them. On top we
state what the resolvers cannot know: the bearer-token requirement and the contract's error responses
(400 instead of Powertools' 422, and the common error body).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, get_args, get_origin, get_type_hints

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from shop_shared.errors import EVERY_ROUTE, ShopError, declared_errors
from shopctl.template import ROOT, api_functions, code_dirs, handler_module, template

SPEC_PATH = ROOT / "docs" / "openapi.json"
_REQUIRED_AUTH = {"authenticated", "employee", "customer"}
_OPTIONAL_AUTH = {"optional_principal"}
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "code", "details"],
    "properties": {
        "error": {"type": "string", "description": "Human-readable message"},
        "code": {"type": "string", "description": "Machine-readable UPPER_SNAKE code", "example": "VALIDATION_ERROR"},
        "details": {"type": "array", "items": {}},
    },
}

_STAGE_SERVER = {
    "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
    "description": "A deployed stage (the ApiUrl output); GET /docs on a stack fills in its own URL",
    "variables": {
        "apiId": {"default": "your-api-id", "description": "the ApiId output"},
        "region": {"default": "us-east-1"},
        "stage": {"default": "v1", "description": "the StageName parameter"},
    },
}


_STATUS_TEXT = {
    400: "Validation error or malformed JSON",
    401: "Missing, invalid or expired token",
    403: "Authenticated but not allowed",
    404: "Not found",
    409: "Conflict",
    429: "Too many requests; retry after Retry-After",
    500: "Unexpected error (logged, never shown)",
    503: "Temporarily unavailable (throttled or timed out); retry after Retry-After",
}


def _error(status: int, errors: list[type[ShopError]]) -> dict[str, Any]:
    """One status's response: the codes (and messages) the route's declared errors answer it with."""
    codes = sorted({error.code for error in errors})
    messages = "; ".join(sorted({f"{error.code}: {error.message}" for error in errors}))
    schema = {"allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"code": {"enum": codes}}}]}
    return {"description": f"{_STATUS_TEXT[status]}. {messages}", "content": {"application/json": {"schema": schema}}}


def route_function(module: Any) -> Any:
    """The one public function a handler module defines: its route (`handler` itself is built in shop_shared.api)."""
    (func,) = [
        f
        for name, f in inspect.getmembers(module, inspect.isfunction)
        if f.__module__ == module.__name__ and not name.startswith("_")
    ]
    return func


def _dependencies(route: Any) -> list[Any]:
    found: list[Any] = []
    for hint in get_type_hints(route, include_extras=True).values():
        for extra in get_args(hint)[1:] if get_origin(hint) is not None else ():
            if isinstance(extra, Depends):
                found.append(extra.dependency)
    return found


def route_errors(module: Any) -> list[type[ShopError]]:
    """Every error a handler module's route may answer with: what it and its auth dependency declare
    (`shop_shared.errors.raises`), and what every route may."""
    route = route_function(module)
    errors = {*EVERY_ROUTE, *declared_errors(route)}
    for dependency in _dependencies(route):
        errors.update(declared_errors(dependency))
    return sorted(errors, key=lambda error: (error.status, error.code, error.message))


def _returns_response_object(route: Any) -> bool:
    """A route that builds its own Response sets its status itself (201 for creations in this API)."""
    return get_origin(get_type_hints(route).get("return")) is Response


def _describe(operation: dict[str, Any], method: str, module: Any) -> None:
    route = route_function(module)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    success = responses.pop("200", {"description": "Success"})
    if method == "delete":
        responses["204"] = {"description": "Deleted"}
    elif method == "post" and _returns_response_object(route):
        responses["201"] = {**success, "description": "Created"}
    else:
        responses["200"] = success
    auth = {dependency.__name__ for dependency in _dependencies(route)}
    if auth & _REQUIRED_AUTH:
        operation["security"] = [{"bearerAuth": []}]
    elif auth & _OPTIONAL_AUTH:
        operation["security"] = [{}, {"bearerAuth": []}]
    by_status: dict[int, list[type[ShopError]]] = {}
    for error in route_errors(module):
        by_status.setdefault(error.status, []).append(error)
    for status, errors in by_status.items():
        responses[str(status)] = _error(status, errors)
    responses["default"] = _error_default()


def _error_default() -> dict[str, Any]:
    body = {"schema": {"$ref": "#/components/schemas/Error"}}
    description = "What API Gateway answers itself (throttling, no such route, ...), with the same error body"
    return {"description": description, "content": {"application/json": body}}


def template_environment(function: dict[str, Any]) -> dict[str, Any]:
    """The variables template.yaml gives a function: the Globals' and its own."""
    shared = template()["Globals"]["Function"]["Environment"]["Variables"]
    return {**shared, **function["Properties"].get("Environment", {}).get("Variables", {})}


@contextmanager
def _stand_in_environment(function: dict[str, Any]) -> Iterator[None]:
    """Handlers are imported here for their routes only, never run: placeholders for the variables the template
    gives the function (table names, ...) that this shell lacks let their cold-start check pass, while a variable
    the template does not give it still fails."""
    parameters = template().get("Parameters", {})

    def stand_in(name: str, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and value.get("Ref") in parameters:
            return str(parameters[value["Ref"]].get("Default", ""))
        return f"openapi-placeholder-{name.lower()}"  # a resource's name or ARN, known once deployed

    variables = template_environment(function)
    added = [name for name in variables if name not in os.environ]
    os.environ.update({name: stand_in(name, variables[name]) for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def build_spec() -> dict[str, Any]:
    for directory in code_dirs():
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    merge = OpenAPIMerge(
        title="Shop API",
        version="1.0.0",
        description="Serverless shop backend: customers, inventory, sales and reviews. JSON in and out.",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT", description="Token from POST /login")},
        on_conflict="error",
    )
    for function in api_functions().values():
        with _stand_in_environment(function):
            module = importlib.import_module(handler_module(function))
        schema = module.app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True, mode="json")
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                _describe(operation, method, module)
        merge.add_schema(schema)
    spec: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    # Powertools' own 422 error shapes; this API answers validation errors with the contract's Error body.
    for powertools_only in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        components.pop(powertools_only, None)
    components["Error"] = _ERROR_SCHEMA
    spec["paths"] = dict(sorted(spec["paths"].items()))
    # The stack's URL is only known once deployed; GET /docs replaces this with the URL it was called on.
    spec["servers"] = [_STAGE_SERVER]
    return spec


def render() -> str:
    return json.dumps(build_spec(), indent=2, sort_keys=False) + "\n"
