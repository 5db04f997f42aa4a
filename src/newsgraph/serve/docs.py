"""The API docs page (``/docs``) served without a CDN: Swagger UI's files (5.x, which reads OpenAPI 3.1) come
from the ``fastapi-offline`` package and are served under ``/docs/assets``. FastAPI's page boots Swagger UI
with one inline script; the page's Content-Security-Policy allows exactly that script by its SHA-256 hash."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _swagger_ui_folder() -> str:
    # only the package's static files are used (its FastAPI subclass is not): swagger-ui-bundle on PyPI stops
    # at Swagger UI 4, which cannot read the OpenAPI 3.1 document FastAPI writes
    try:
        folder = importlib.resources.files("fastapi_offline") / "static"
    except ModuleNotFoundError as exc:
        raise ImportError("the API docs page needs fastapi-offline, a dependency of newsgraph: "
                          "pip install fastapi-offline==1.7.7",
                          name="fastapi_offline") from exc
    return str(folder)


def docs_html(app: FastAPI) -> HTMLResponse:
    """FastAPI's Swagger UI page, every asset same-origin (``validatorUrl: null``: no badge from swagger.io)."""
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png", swagger_ui_parameters={"validatorUrl": None})


def docs_csp(html: str) -> str:
    """The policy for the docs page: same-origin scripts and styles plus the page's own inline script(s), by
    hash. Swagger UI sets a few style attributes from script, which a hash cannot allow: those are dropped
    by the browser (cosmetic) rather than opening style-src to 'unsafe-inline'."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def install_docs(app: FastAPI) -> str:
    """Add ``/docs`` and its assets to ``app`` (created with ``docs_url=None``); returns the page's CSP."""
    html = bytes(docs_html(app).body).decode("utf-8")
    app.mount(ASSETS_URL, StaticFiles(directory=_swagger_ui_folder()), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html)

    return docs_csp(html)
