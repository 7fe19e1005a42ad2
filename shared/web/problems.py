"""RFC 9457 problem+json for every error, mapped in one place.

Rule of thumb for clients: 400 means the request did not have the shape the API documents
(malformed JSON, unknown fields, wrong types, a missing header), and 422 means it had the shape
but breaks a rule; both name the field. 401/403/404/409 come from the domain errors.
"""

from __future__ import annotations

import logging
import re

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from shared.db import DATABASE_GONE
from shared.errors import (
    Conflict,
    DatabaseUnavailable,
    DomainError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)

log = logging.getLogger("omo.http")

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:omo:problem:"
_AT = re.compile(r" - at `\$\.?([^`]*)`")
_NAMED = re.compile(r"`(\w+)`")


def problem_body(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, object] | None = None,
) -> dict[str, object]:
    body: dict[str, object] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return body


def problem(request: Request, status: int, slug: str, title: str, detail: str, **kw) -> Response:
    body = problem_body(request, status, slug, title, detail, **kw)
    return Response(body, status_code=status, media_type=MEDIA_TYPE)


def domain_problem(request: Request, exc: DomainError) -> dict[str, object]:
    """The problem+json body of a domain error (also for responses stored to be replayed)."""
    return problem_body(
        request, exc.status, exc.slug, exc.title, exc.detail, field=exc.field, extra=exc.extra
    )


def _field_of(error: dict) -> str:
    """The offending field of one Litestar/msgspec validation error, as a dotted path."""
    message = error.get("message", "")
    at = _AT.search(message)
    if at:
        return at.group(1)
    key = error.get("key", "")
    if key == "data":  # the body as a whole: the field is named in the message, if anywhere
        named = _NAMED.search(message.split(",")[0]) if "field" in message else None
        return named.group(1) if named else ""
    return key


def on_domain_error(request: Request, exc: DomainError) -> Response:
    """The problem, with the headers the error asks for (Retry-After on a 429)."""
    return Response(
        domain_problem(request, exc),
        status_code=exc.status,
        media_type=MEDIA_TYPE,
        headers=exc.headers,
    )


def on_validation_error(request: Request, exc: ValidationException) -> Response:
    errors = [
        {
            "field": _field_of(e),
            "reason": _AT.sub("", e.get("message", "")),
            "source": e.get("source", ""),
        }
        for e in (exc.extra or [])
        if isinstance(e, dict)
    ]
    detail = "; ".join(f"{e['field'] or 'body'}: {e['reason']}" for e in errors) or exc.detail
    missing = re.search(r"Missing required (\w+) parameter '([^']+)'", exc.detail)
    field = errors[0]["field"] if errors else (missing.group(2) if missing else None)
    return problem(
        request,
        400,
        "invalid-request",
        "The request is not valid",
        detail,
        field=field,
        errors=errors,
    )


def on_http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc.__cause__, SerializationException):
        return problem(
            request, 400, "malformed-json", "The body is not valid JSON", exc.detail, field="body"
        )
    return problem(request, exc.status_code, http_slug(exc), exc.detail, exc.detail)


# The slug of a status the domain answers too, so a client branches on one `type` for a 404
# whoever raised it (Litestar's router or a use case).
_DOMAIN_SLUGS = {
    400: "invalid-request",  # as on_validation_error's
    **{e.status: e.slug for e in (Unauthenticated, Forbidden, NotFound, Conflict, TooManyRequests)},
}


def http_slug(exc: HTTPException) -> str:
    """`not-found` for Litestar's NotFoundException as for the domain's NotFound; otherwise the
    exception's name in words (`MethodNotAllowedException`: `method-not-allowed`)."""
    if exc.status_code in _DOMAIN_SLUGS:
        return _DOMAIN_SLUGS[exc.status_code]
    name = type(exc).__name__.removesuffix("Exception")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name).lower() or "http"


RETRY_AFTER_S = 5


def on_busy(request: Request, exc: Exception) -> Response:
    """No free connection in time, or PostgreSQL cancelled a statement that waited too long for
    a lock or ran too long: the service is overloaded or something holds a row, not broken."""
    return _try_again(
        request,
        exc,
        "busy",
        "The service is busy",
        "the request waited too long for the database; try again shortly",
    )


def on_database_unavailable(request: Request, exc: Exception) -> Response:
    """PostgreSQL cannot be reached, is starting or shutting down, or dropped the connection:
    the client should try again, and the log needs one line, not a traceback per request."""
    return _try_again(
        request,
        exc,
        "database-unavailable",
        "The service cannot reach its database",
        "the database is unavailable for now; try again shortly",
    )


def _try_again(request: Request, exc: Exception, slug: str, title: str, detail: str) -> Response:
    """503 with Retry-After, and one warning line (no traceback: nothing here is a bug)."""
    log.warning("%s on %s %s: %s: %s", slug, request.method, request.url.path,
                type(exc).__name__, exc)  # fmt: skip
    response = problem(request, 503, slug, title, detail)
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def on_interface_error(request: Request, exc: asyncpg.InterfaceError) -> Response:
    """asyncpg refuses any call on a connection the database dropped (a rollback on leaving a
    transaction block, the next query) with an `InterfaceError`: that is the database going
    away, answered 503. Any other `InterfaceError` is a misuse of the driver, a bug."""
    if "connection is closed" in str(exc) or _caused_by(exc, DATABASE_GONE):
        return on_database_unavailable(request, exc)
    return on_unexpected(request, exc)


def on_exception_group(request: Request, exc: ExceptionGroup) -> Response:
    """Litestar gathers what a dependency raised while it cleaned up (the request's transaction
    ending on a lost connection) into a group: the answer is the first one's, as if alone."""
    first = exc.exceptions[0]
    for kind in type(first).__mro__:
        if kind in EXCEPTION_HANDLERS:
            return EXCEPTION_HANDLERS[kind](request, first)
    return on_unexpected(request, first)


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen: BaseException | None = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on our side",
        "the error was logged",
    )


EXCEPTION_HANDLERS = {
    # Looked up along the exception's MRO, so the more specific classes win: TimeoutError is
    # an OSError, QueryCanceledError an OperatorInterventionError.
    OSError: on_database_unavailable,
    asyncpg.PostgresConnectionError: on_database_unavailable,
    asyncpg.OperatorInterventionError: on_database_unavailable,
    DatabaseUnavailable: on_database_unavailable,
    asyncpg.InternalClientError: on_database_unavailable,  # see shared.db.DATABASE_GONE
    asyncpg.InterfaceError: on_interface_error,
    ExceptionGroup: on_exception_group,
    TimeoutError: on_busy,
    asyncpg.LockNotAvailableError: on_busy,
    asyncpg.QueryCanceledError: on_busy,
    DomainError: on_domain_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    Exception: on_unexpected,
}
