"""The OpenAPI document and its docs pages.

The document says what each operation does (its handler's docstring) and who may call it, read
from the same guards and `opt=PUBLIC` the requests pass through, so the two cannot drift apart.
The docs pages load their scripts from the service itself, from a pinned Python package: on a
network without internet a CDN-hosted page is blank.
"""

from __future__ import annotations

from typing import Any

import openapi_ui_bundles
from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Operation, PathItem, SecurityScheme
from litestar.static_files import create_static_files_router

DOCS_PATH = "/schema"
ASSETS = "/assets"
SWAGGER = f"{DOCS_PATH}{ASSETS}/swagger-ui"
REDOC = f"{DOCS_PATH}{ASSETS}/redoc"
BEARER = "bearer"


class Open(Operation):
    """An operation anyone may call: `security: []` overrides the document's bearer default."""

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        schema["security"] = []
        return schema


class _ServesAssets:
    """A render plugin that also serves its scripts and styles under the docs path."""

    assets: tuple[str, Any]

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)  # type: ignore[misc]
        url, directory = self.assets
        router.register(
            create_static_files_router(
                path=url.removeprefix(DOCS_PATH), directories=[directory], include_in_schema=False
            )
        )


class LocalSwagger(_ServesAssets, SwaggerRenderPlugin):
    assets = (SWAGGER, openapi_ui_bundles.swagger_ui.static_path)


class LocalRedoc(_ServesAssets, RedocRenderPlugin):
    assets = (REDOC, openapi_ui_bundles.redoc.static_path)


def openapi_config(
    title: str, description: str, webhooks: dict[str, PathItem] | None = None
) -> OpenAPIConfig:
    swagger = LocalSwagger(
        js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER}/favicon-32x32.png'>",
        path=["/", "/swagger"],
    )
    redoc = LocalRedoc(
        js_url=f"{REDOC}/redoc.standalone.js",
        google_fonts=False,
        favicon=f"<link rel='icon' type='image/svg+xml' href='{REDOC}/logo-mini.svg'>",
    )
    return OpenAPIConfig(
        title=title,
        version="1.0.0",
        description=description,
        path=DOCS_PATH,
        use_handler_docstrings=True,
        render_plugins=[swagger, redoc, JsonRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="A token from `omo token <role>`; an operation lists the roles "
                    "it admits.",
                )
            }
        ),
        security=[{BEARER: []}],
        webhooks=webhooks,  # type: ignore[arg-type]  # Litestar types it with References too
    )


def document_access(app: Litestar) -> None:
    """Mark each public operation `security: []` and name the roles each guarded one admits
    (OpenAPI 3.1 allows role names in a bearer requirement). Runs on the app's own copies of
    the handlers, before the document is first built."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get("public"):
                handler.operation_class = Open
                continue
            roles = sorted({str(r) for g in handler.guards or [] for r in getattr(g, "roles", ())})
            if roles:
                handler.security = [{BEARER: roles}]
