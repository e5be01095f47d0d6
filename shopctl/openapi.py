"""One OpenAPI document for the whole API, generated from the handlers that template.yaml deploys.

Each function's Powertools resolver describes its own route; Powertools' OpenAPIMerge joins them. On top we
state what the resolvers cannot know: the bearer-token requirement and the contract's error responses
(400 instead of Powertools' 422, and the common error body).
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from typing import Any, get_args, get_origin, get_type_hints

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from shopctl.template import ROOT, api_functions, code_dirs, handler_module

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


def _error(description: str) -> dict[str, Any]:
    body = {"schema": {"$ref": "#/components/schemas/Error"}}
    return {"description": description, "content": {"application/json": body}}


def _route_function(module: Any) -> Any:
    """The one public function a handler module defines: its route (`handler` itself is built in shop_shared.api)."""
    (func,) = [
        f
        for name, f in inspect.getmembers(module, inspect.isfunction)
        if f.__module__ == module.__name__ and not name.startswith("_")
    ]
    return func


def _auth_dependencies(route: Any) -> set[str]:
    names: set[str] = set()
    for hint in get_type_hints(route, include_extras=True).values():
        for extra in get_args(hint)[1:] if get_origin(hint) is not None else ():
            if isinstance(extra, Depends):
                names.add(extra.dependency.__name__)
    return names


def _returns_response_object(route: Any) -> bool:
    """A route that builds its own Response sets its status itself (201 for creations in this API)."""
    return get_origin(get_type_hints(route).get("return")) is Response


def _describe(operation: dict[str, Any], method: str, module: Any) -> None:
    route = _route_function(module)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    success = responses.pop("200", {"description": "Success"})
    if method == "delete":
        responses["204"] = {"description": "Deleted"}
    elif method == "post" and _returns_response_object(route):
        responses["201"] = {**success, "description": "Created"}
    else:
        responses["200"] = success
    responses["400"] = _error("Validation error (VALIDATION_ERROR) or malformed JSON")
    auth = _auth_dependencies(route)
    if auth & _REQUIRED_AUTH:
        operation["security"] = [{"bearerAuth": []}]
        responses["401"] = _error("Missing, invalid or expired token")
        responses["403"] = _error("Authenticated but not allowed")
    elif auth & _OPTIONAL_AUTH:
        operation["security"] = [{}, {"bearerAuth": []}]
        responses["401"] = _error("Invalid or expired token")
    responses["503"] = _error("Temporarily unavailable (throttled or timed out); retry after Retry-After")
    responses["default"] = _error("Any other error, e.g. 404 NOT_FOUND or 409 with a conflict code")


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
