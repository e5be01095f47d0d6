"""GET /docs: Swagger UI for docs/openapi.json, served by the stack itself (assets come from the layer)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi import swagger_ui

from shop_shared.api import create_app, lambda_handler

app = create_app()
_ASSETS = Path(swagger_ui.__file__).parent


@cache
def _page() -> str:
    spec = (Path(__file__).parent / "openapi.json").read_text().replace("</", "<\\/")
    return swagger_ui.generate_swagger_html(
        spec=spec,
        swagger_js=(_ASSETS / "swagger-ui-bundle.min.js").read_text(),
        swagger_css=(_ASSETS / "swagger-ui.min.css").read_text(),
        swagger_base_url="",
        oauth2_config=None,
    )


@app.get("/docs", summary="Interactive API documentation (Swagger UI)")
def docs() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=_page())


handler = lambda_handler(app)
