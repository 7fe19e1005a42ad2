"""Domain errors. The domain raises these; each app maps them to problem+json in one place.

A subclass's docstring is its human title (the RFC 9457 `title`), its `slug` the stable part of
the problem `type`, and its `status` the HTTP status. Nothing here knows about HTTP beyond that
number, so the rules that raise them stay free of any web framework.
"""

from __future__ import annotations


class DomainError(Exception):
    """The request breaks a business rule."""

    status = 422
    slug = "rule-broken"
    # A refusal that must leave a trace (a wrong code counted against guessing) sets this: the
    # request's transaction (or a use case's own, shared.db.unit_of_work) then commits what it
    # wrote before raising, instead of rolling back. The one way to refuse and keep.
    commits = False

    def __init__(self, detail: str | None = None, *, field: str | None = None, **extra: object):
        self.detail = detail or self.title
        self.field = field
        self.extra = extra
        super().__init__(self.detail)

    @property
    def title(self) -> str:
        return (type(self).__doc__ or "").strip().splitlines()[0]

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the problem (none, unless a subclass says)."""
        return {}


class InvalidInput(DomainError):
    """A field of the request is not acceptable."""

    status = 422
    slug = "invalid-input"


class NotFound(DomainError):
    """The thing asked for does not exist, or is not yours to see."""

    status = 404
    slug = "not-found"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    status = 409
    slug = "conflict"


class Unauthenticated(DomainError):
    """A valid bearer token is required."""

    status = 401
    slug = "unauthenticated"


class Forbidden(DomainError):
    """Your token does not allow this."""

    status = 403
    slug = "forbidden"


class TooManyRequests(DomainError):
    """Too many requests; try again later."""

    status = 429
    slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after_s: int, field: str | None = None, **extra):
        super().__init__(detail, field=field, retry_after_s=retry_after_s, **extra)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class IdempotencyKeyReused(DomainError):
    """This Idempotency-Key was already used with a different request."""

    status = 422
    slug = "idempotency-key-reused"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is one line for the operator."""
