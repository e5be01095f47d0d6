"""GET /docs: Swagger UI for docs/openapi.json, served by the stack itself (assets come from the layer).

`GET /docs?format=json` is the document itself (the spec link Swagger UI shows). Both carry one `servers` entry,
the base URL this very request came in through, so "Try it out" calls the API wherever the page was loaded from.
"""

# ruff: noqa: E402 - the cold start's first step comes before the other imports
from __future__ import annotations

from shop_shared import startup

startup.begin()  # before the libraries are imported: see shop_shared.startup

import json
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from shop_shared.api import create_app, lambda_handler

app = create_app()
_ASSETS = Path(swagger_ui.__file__).parent
# The emulators (MiniStack, LocalStack) serve a REST API under this path prefix on their own host.
_LOCAL_PREFIX = "/_aws/execute-api"


@cache
def _spec_text() -> str:
    return (Path(__file__).parent / "openapi.json").read_text()


@cache
def _assets() -> tuple[str, str]:
    return (_ASSETS / "swagger-ui-bundle.min.js").read_text(), (_ASSETS / "swagger-ui.min.css").read_text()


def _header(event: APIGatewayProxyEvent, name: str) -> str | None:
    return next((value for key, value in (event.headers or {}).items() if key.lower() == name), None)


def _server_url(event: APIGatewayProxyEvent) -> str:
    """The API's base URL as seen by the caller of this request.

    API Gateway puts the host it was called on in requestContext.domainName and the path as called (stage, or a
    custom domain's base path, then the route) in requestContext.path; the base is that path without the route.
    An emulator sets no domainName and is reached at <host>/_aws/execute-api/<api id>/<stage>.
    """
    context = event.request_context
    domain = context.domain_name
    if domain:
        called = context.path or ""
        base = called[: -len(event.path)] if event.path and called.endswith(event.path) else f"/{context.stage}"
        proto = _header(event, "x-forwarded-proto") or "https"
        return f"{proto}://{domain}{base}"
    host = _header(event, "host") or "localhost"
    proto = _header(event, "x-forwarded-proto") or "http"
    api_id = context.get("apiId") or ""
    if api_id and host.startswith(f"{api_id}.execute-api."):  # the emulator's host-based form
        return f"{proto}://{host}/{context.stage}"
    return f"{proto}://{host}{_LOCAL_PREFIX}/{api_id}/{context.stage}"


def _spec_for(base_url: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(_spec_text())
    spec["servers"] = [{"url": base_url, "description": "this API (where this page was served from)"}]
    return spec


def _page(spec: dict[str, Any]) -> str:
    swagger_js, swagger_css = _assets()
    return swagger_ui.generate_swagger_html(
        spec=json.dumps(spec).replace("</", "<\\/"),
        swagger_js=swagger_js,
        swagger_css=swagger_css,
        swagger_base_url="",
        oauth2_config=None,
    )


@app.get("/docs", summary="Interactive API documentation (Swagger UI); ?format=json for the OpenAPI document")
def docs() -> Response[str]:
    event = app.current_event
    spec = _spec_for(_server_url(event))
    if (event.query_string_parameters or {}).get("format") == "json":
        return Response(status_code=200, content_type="application/json", body=json.dumps(spec))
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=_page(spec))


handler = lambda_handler(app)
