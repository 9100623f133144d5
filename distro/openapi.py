"""The API's contract in the OpenAPI document: the Problem schema every error has, the error responses each
operation documents, and the required JSON bodies the document promises.

The document says exactly what distro sends. Errors are `application/problem+json` (distro/errors.py), never
flask-smorest's `application/json` Error, and there is no catch-all `default` response: each operation lists
the statuses it can answer with. Those that follow from the route itself are added here, once, for every
operation (see COMMON_PROBLEMS and route_problems); those that follow from a use case's rules are declared on the
view with `@blp.problem(status, why)`.
"""

from __future__ import annotations

import http
from collections.abc import Callable, Collection, Mapping
from functools import wraps
from typing import Any

import flask_smorest
from flask import request
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields

from distro.auth.access import PUBLIC
from distro.errors import PROBLEM_MEDIA_TYPE, FieldError, ValidationFailed

JSON_MEDIA_TYPE = "application/json"
BINARY = {"type": "string", "format": "binary"}
"""The schema of a download's body (a CSV, XLSX, PNG or SVG file)."""
ATTACHMENT = {
    "Content-Disposition": {
        "description": "attachment; filename=...: save the body as this file.",
        "schema": {"type": "string"},
    }
}
"""The header of a response saved as a file."""

HTML_PAGE = {"type": "string", "description": "An HTML page for a buyer, in Chinese."}
"""The schema of an error a buyer's URL (/s/...) answers with: a page, not a problem."""

IDEMPOTENCY_HEADER = "Idempotency-Key"
"""The header an idempotent view honours (distro.idempotency.http), documented as a parameter of its operation."""


class FieldErrorSchema(Schema):
    """One broken rule on one field, as a problem's errors list it."""

    field = fields.String(
        required=True, metadata={"description": "The field, dotted for nested ones (skus.0.price_fen); _schema: all."}
    )
    message = fields.String(required=True)
    rule = fields.String(required=True, metadata={"description": "The rule's short name: required, range, length..."})
    location = fields.String(metadata={"description": "Where the field was: json, query, headers, files..."})


class ProblemSchema(Schema):
    """An RFC 9457 problem, as distro/errors.py sends every error."""

    class Meta:
        # Some problems carry a member of their own (a ledger refusal's corrected_by): RFC 9457 extensions.
        unknown = INCLUDE

    type = fields.String(
        required=True, metadata={"description": "urn:distro:problem:<slug> (validation-failed, conflict...)."}
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What went wrong, for a person."})
    instance = fields.String()
    errors = fields.List(
        fields.Nested(FieldErrorSchema), metadata={"description": "Each broken rule, on a 422 of invalid input."}
    )
    retry_after = fields.Integer(metadata={"description": "Seconds to wait before asking again, on a 429."})
    corrected_by = fields.String(
        metadata={"description": "The flow that corrects a posting it made, on a 409 refusing a reversal by hand."}
    )


ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "Malformed: a body that is not JSON, or a Host header naming a host distro does not serve.",
    401: "No valid access token: send 'Authorization: Bearer <access_token>'.",
    403: "The token's account may not do this: it lacks the role, or the rule says no.",
    404: "Nothing here that the caller may see: no such id, or it belongs to someone else.",
    409: "Refused in the current state of things.",
    413: "The body is larger than MAX_CONTENT_LENGTH (16 MiB by default).",
    415: "The body is not JSON: send it with 'Content-Type: application/json'.",
    422: "Invalid input: errors names each field and the rule it breaks.",
    429: "Asked too often: retry_after (and the Retry-After header) says when to ask again.",
    503: "A service distro needs is out of reach (the database, an SMS gateway); nothing was changed.",
}
"""What each error status means wherever it is documented without a reason of its own."""

ERROR_HEADERS: Mapping[int, dict[str, dict]] = {
    401: {"WWW-Authenticate": {"description": 'Bearer realm="distro"', "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait.", "required": True, "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "Seconds to wait, when the database is away.", "schema": {"type": "integer"}}},
}

COMMON_PROBLEMS = (400, 503)
"""Every operation can answer these: the Host check and the database are in front of all of them."""


def route_problems(*, access: object, path_arguments: bool, body: bool) -> tuple[int, ...]:
    """The error statuses an operation answers because of how it is routed: its access rule (401 without a
    token, 403 without the role, 429 beyond a token's API budget), a path argument (404) and a JSON body
    (413 when it is too large, 415 when it is not JSON, 422 when it is invalid)."""
    statuses = set(COMMON_PROBLEMS)
    if access != PUBLIC:
        statuses |= {401, 429}
        if isinstance(access, Collection) and not isinstance(access, str):
            statuses.add(403)
    if path_arguments:
        statuses.add(404)
    if body:
        statuses |= {413, 415, 422}
    return tuple(sorted(statuses))


def response_name(status: int) -> str:
    """The name of status's response in the document's components (flask-smorest's: NOT_FOUND...)."""
    return http.HTTPStatus(status).name


class ContractApi(flask_smorest.Api):
    """flask-smorest's Api whose every error response is a Problem in application/problem+json, with no
    catch-all default response on any operation."""

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        """Register a response per status: errors (4xx, 5xx) as problems with their description and headers,
        the others without a body."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response = {
                    "description": ERROR_DESCRIPTIONS.get(status, status.phrase),
                    "schema": ProblemSchema,
                    "headers": ERROR_HEADERS.get(status, {}),
                }
                prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
                if not response["headers"]:
                    del response["headers"]
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self) -> None:
        """Document X-Pagination as what it is, JSON in a header (a header's schema alone would mean the
        comma-separated "simple" style)."""
        self.spec.components.header(
            "PAGINATION",
            {"description": "Pagination metadata", "content": {JSON_MEDIA_TYPE: {"schema": PaginationMetadataSchema}}},
            lazy=True,
        )


class ContractBlueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint documenting each operation's route errors and who may call it, refusing a
    request without the JSON body an operation requires, and declaring a view's own errors (`problem`)."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        """Register the route as flask-smorest does, then add to each of its operations' documentation the
        errors the route itself causes and the roles it needs (x-roles)."""
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
        endpoint = self._endpoints[-1]  # as flask-smorest named it
        access = getattr(view_func, "access", None)
        for method, doc in self._docs[endpoint].items():
            if method == "parameters" or doc is None:
                continue
            arguments = doc.get("arguments", {})
            body = any(
                isinstance(param, Mapping) and param.get("in") == "json" for param in arguments.get("parameters", [])
            )
            responses = doc.setdefault("response", {}).setdefault("responses", {})
            documented = set(responses) | set(arguments.get("responses", {}))
            for status in route_problems(access=access, path_arguments="<" in rule, body=body):
                if status not in documented:
                    responses[status] = [response_name(status)]
            manual = doc.setdefault("manual_doc", {})
            if isinstance(access, Collection) and not isinstance(access, str):
                manual["x-roles"] = sorted(access)
            if getattr(view_func, "idempotency_key", False):
                _document_idempotency(doc)

    def arguments(self, schema, *, location="json", required=True, **kwargs) -> Callable:
        """flask-smorest's arguments; a JSON body that is required is refused (422) when the request has none,
        rather than read as {}."""
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return parse

        def decorator(view: Callable) -> Callable:
            parsed = parse(view)

            @wraps(parsed)
            def wrapper(*args: Any, **view_kwargs: Any) -> Any:
                refuse_a_missing_json_body()
                return parsed(*args, **view_kwargs)

            return wrapper

        return decorator

    def problem(self, status: int, description: str) -> Callable:
        """Document an error the view's use case answers with, and why (a Problem in
        application/problem+json)."""
        return self.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description=description)

    def page_error(self, status: int, description: str) -> Callable:
        """Document an error a buyer's URL answers with a page (text/html), and why."""
        return self.alt_response(status, schema=HTML_PAGE, content_type="text/html", description=description)


def refuse_a_missing_json_body() -> None:
    """Raise unless the request carries a body: without one webargs would read it as {} (all defaults), so that,
    for example, a bare POST would create a settlement batch. (A body that is not JSON is the argument parser's
    415, distro.api.Parser.)"""
    if not request.get_data(cache=True):
        raise ValidationFailed(
            "The request needs a JSON body.",
            [FieldError("_schema", "a JSON object is required (Content-Type: application/json)", "required")],
        )


def _document_idempotency(doc: dict) -> None:
    """Add the Idempotency-Key header to an operation's documentation, and the errors it can cause."""
    responses = doc["response"]["responses"]
    for status, why in (
        (409, "A request with this Idempotency-Key is still being processed; retry later."),
        (422, "Invalid input (errors names each field), or an Idempotency-Key already used for another request."),
    ):
        own = [item for item in responses.get(status, []) if isinstance(item, dict)]
        if own:  # the view's own reason comes first
            own[-1]["description"] = f"{own[-1]['description']} Or: {why}"
        else:
            responses[status] = [{"schema": ProblemSchema, "content_type": PROBLEM_MEDIA_TYPE, "description": why}]
    # Beside the body's parameter, where flask-smorest keeps an operation's parameters until it writes them.
    doc.setdefault("arguments", {}).setdefault("parameters", []).append(
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "description": "Retrying with the same key and body replays the first success (Idempotent-Replayed: "
            "true) with one effect.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    )
