"""The OpenAPI document and its docs pages.

The document says what each operation does (its handler's docstring) and who may call it, read
from the same guards and `opt=PUBLIC` the requests pass through, so the two cannot drift apart.
The docs pages load their scripts from the service itself, from a pinned Python package: on a
network without internet a CDN-hosted page is blank.
"""

from __future__ import annotations

from typing import Any

import msgspec
import openapi_ui_bundles
from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Example, Operation, PathItem, SecurityScheme
from litestar.params import Body, BodyKwarg
from litestar.static_files import create_static_files_router

from shared.limits import MAX_BODY_BYTES
from shared.web.problems import MEDIA_TYPE

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


def example(of: Any, value: Any, summary: str) -> BodyKwarg:
    """A JSON request body with an example, as `data: Annotated[Body, example(Body, ...)]`.
    The example is decoded as `of` when the module loads, so one that no longer fits its type
    fails at import rather than misleading a client."""
    msgspec.convert(value, of)
    return Body(examples=[Example(summary=summary, value=value)])


class Problem(msgspec.Struct, kw_only=True):
    """RFC 9457 problem details: how every error of this API is answered
    (`application/problem+json`). `type` is `urn:omo:problem:<slug>`, stable for a client to
    branch on; `field` names the field, header or parameter at fault; some problems add members
    of their own (the orders still open, the item a scan expected, `Retry-After`'s seconds)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None


# What any operation may answer, besides its success: the request's shape (400), a broken rule
# (422), a state it conflicts with (409), a thing not there or not the caller's (404), too many
# tries (429), the database out of reach (503).
_ANY = {
    400: "The request does not have the documented shape (the field is named).",
    404: "Not there, or not the caller's to see.",
    409: "The request conflicts with the current state.",
    422: "The request breaks a rule (the field is named).",
    429: "Too many tries: wait for Retry-After.",
    503: "The database is out of reach: try again after Retry-After.",
}
_GUARDED = {
    401: "No bearer token, or one that is not valid (expired, or a deleted account's).",
    403: "The token's role or store may not do this.",
}
_BODY = {413: f"The body is larger than the {MAX_BODY_BYTES:,} bytes a service reads."}


def problems(statuses: dict[int, str]) -> dict[int, ResponseSpec]:
    """Problems an operation may answer, by status; a handler adds its own with
    `responses=problems({...})` (a public one that still refuses a credential: a 401)."""
    return {
        status: ResponseSpec(
            data_container=Problem, description=text, media_type=MEDIA_TYPE, generate_examples=False
        )
        for status, text in statuses.items()
    }


def document_access(app: Litestar) -> None:
    """Mark each public operation `security: []` and name the roles each guarded one admits
    (OpenAPI 3.1 allows role names in a bearer requirement); declare the problems each may
    answer (a 413 on those that take a body). Runs on the app's own copies of the handlers,
    before the document is first built."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not handler.include_in_schema:
                continue
            public = bool(handler.opt.get("public"))
            body = _BODY if "data" in handler.parsed_fn_signature.parameters else {}
            errors = problems({**_ANY, **({} if public else _GUARDED), **body})
            handler.responses = {**errors, **(handler.responses or {})}
            if public:
                handler.operation_class = Open
                continue
            roles = sorted({str(r) for g in handler.guards or [] for r in getattr(g, "roles", ())})
            if roles:
                handler.security = [{BEARER: roles}]
