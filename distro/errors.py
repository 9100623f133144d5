"""Domain errors and their RFC 9457 problem+json form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, json

from distro.validation import UNSTORABLE_TEXT, FieldError

__all__ = [
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "NotFound",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:distro:problem:"


class DomainError(Exception):
    """A use case refused; views turn it into problem+json with this status and slug."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class TooManyRequests(DomainError):
    """Asked too often: retry_after (seconds) says when to ask again, in the body and the Retry-After header."""

    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """An outside service the use case needs (an SMS gateway) is not there; nothing was changed."""

    status, slug, title = 503, "unavailable", "Service unavailable"


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a rule; errors name each field and its rule."""

    status, slug, title = 422, "validation-failed", "Validation failed"

    def __init__(self, detail: str, errors: Iterable[FieldError]) -> None:
        super().__init__(detail)
        self.errors = list(errors)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: list[dict] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build an RFC 9457 problem+json response."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def domain_error_response(error: DomainError) -> Response:
    """problem+json for a domain error."""
    headers = {"WWW-Authenticate": 'Bearer realm="distro"'} if error.status == 401 else None
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    errors = [item.as_dict() for item in error.errors] if isinstance(error, ValidationFailed) else None
    return problem_response(
        error.status, error.title, error.detail, slug=error.slug, errors=errors, headers=headers, **error.extra
    )


def flatten_field_messages(messages: Mapping[str, Any]) -> list[dict]:
    """Turn webargs/marshmallow messages ({"json": {"a": {"b": ["msg"]}}}) into field errors."""
    errors: list[dict] = []

    def walk(node: Any, path: list[str], location: str) -> None:
        if isinstance(node, Mapping):
            for key, child in node.items():
                walk(child, [*path, str(key)], location)
        elif isinstance(node, list | tuple) and all(isinstance(item, str) for item in node):
            for message in node:
                field = ".".join(path) or "_schema"
                errors.append({"field": field, "location": location, "rule": _rule_of(message), "message": message})
        else:
            errors.append({"field": ".".join(path), "location": location, "rule": "invalid", "message": str(node)})

    for location, fields in messages.items():
        walk(fields, [], location)
    return errors


def field_errors(messages: Mapping[str, Any]) -> list[FieldError]:
    """marshmallow's messages ({"results": {3: {"status": ["msg"]}}}) as field errors (field "results.3.status")."""
    return [
        FieldError(error["field"], error["message"], error["rule"])
        for error in flatten_field_messages({"body": messages})
    ]


_MARSHMALLOW_RULES = {
    "Missing data for required field.": "required",
    "Unknown field.": "unknown",
    "Field may not be null.": "not_null",
    "Not a valid integer.": "integer",
    "Not a valid string.": "string",
    "Not a valid email address.": "email",
    UNSTORABLE_TEXT: "text",
}


def _rule_of(message: str) -> str:
    if message in _MARSHMALLOW_RULES:
        return _MARSHMALLOW_RULES[message]
    lowered = message.lower()
    if lowered.startswith("must be one of"):
        return "one_of"
    if "length" in lowered:
        return "length"
    if "greater than" in lowered or "less than" in lowered or lowered.startswith("must be"):
        return "range"
    return "invalid"
