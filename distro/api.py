"""API conventions: the flask-smorest Api with problem+json errors, blueprints, pagination."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import flask
import flask_smorest
import sqlalchemy as sa
import swagger_ui_bundle
from flask import Flask, Response, current_app, send_from_directory
from marshmallow import Schema, ValidationError, fields, post_load, validate
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter, UnicodeConverter

from distro import page_errors, untrusted_json
from distro.db import get_replica_session, get_session
from distro.errors import DomainError, domain_error_response, flatten_field_messages, problem_response
from distro.openapi import ContractApi, ContractBlueprint
from distro.urls import WEB_SCHEMES, absolute_url, own_image_name
from distro.validation import UNSTORABLE_TEXT, storable_text

if TYPE_CHECKING:
    from sqlmodel import Session

API_PREFIX = "/api/v1"
SWAGGER_ASSETS_PATH = "/api/docs/assets/"

BIGINT_MAX = 2**63 - 1
"""The largest PostgreSQL bigint: ids and fen amounts are bigints."""
INTEGER_MAX = 2**31 - 1
"""The largest PostgreSQL integer: stock and quantities are integers."""


def fits_bigint(min: int = 0) -> validate.Range:
    """A whole number from min up to the largest bigint (ids: min=1, fen: min=0 or 1); a larger one is a 422,
    never a database error."""
    return validate.Range(min=min, max=BIGINT_MAX)


def fits_integer(min: int = 0) -> validate.Range:
    """A whole number from min up to the largest PostgreSQL integer (stock, quantities, counts)."""
    return validate.Range(min=min, max=INTEGER_MAX)


def fen(what: str, **kwargs: Any) -> fields.Integer:
    """An amount a response gives, in integer fen, its description saying so and what it is."""
    return fields.Integer(dump_only=True, metadata={"description": f"Integer fen (分): {what}"}, **kwargs)


PLAUSIBLE_INSTANT = validate.Range(
    min=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    max=dt.datetime(9000, 1, 1, tzinfo=dt.UTC),
    error="must be between 1970 and 9000",
)
"""Instants given to distro (paid, delivered, cut-off...): far enough from year 1 and 9999 that adding a
hold period, stepping a month or moving to another time zone cannot overflow."""
PLAUSIBLE_DAY = validate.Range(min=dt.date(1970, 1, 1), max=dt.date(9000, 1, 1), error="must be between 1970 and 9000")
"""Days given to distro (a month to evaluate), bounded as PLAUSIBLE_INSTANT."""


_WEB_URL = validate.URL(schemes=set(WEB_SCHEMES))


def _own_or_web_url(value: str) -> None:
    if own_image_name(value) is None:
        _WEB_URL(value)


class ImageUrl(fields.String):
    """A product picture: a supplier's http(s) URL, or one of distro's own images as stored (/images/<name>).
    Shown absolute: distro's own under PUBLIC_BASE_URL, so a client, a crawler or WeChat can fetch it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"description": "An http(s) URL, or /images/<name> for distro's own images."})
        super().__init__(validate=[validate.Length(max=500), _own_or_web_url], **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        shown = super()._serialize(value, attr, obj, **kwargs)
        return None if shown is None else absolute_url(current_app.config["PUBLIC_BASE_URL"], shown)


def refuse_unstorable_text(data: Any, message: str = UNSTORABLE_TEXT) -> None:
    """Raise a marshmallow ValidationError naming every string (key or value, at any depth) that PostgreSQL
    text cannot hold or UTF-8 cannot encode: a NUL character or an unpaired surrogate (JSON allows both as
    escapes). Its messages are shaped like a schema's ({"skus": {0: {"name": [message]}}})."""
    messages = _unstorable(data, message)
    if messages:
        raise ValidationError(messages)


def _unstorable(node: Any, message: str) -> Any:
    if isinstance(node, str):
        return [message] if not storable_text(node) else None
    if isinstance(node, Mapping):
        found: dict[Any, Any] = {}
        for key, value in node.items():
            if isinstance(key, str) and not storable_text(key):
                found[key] = [message]
            elif (messages := _unstorable(value, message)) is not None:
                found[key] = messages
        return found or None
    if isinstance(node, list | tuple):
        found = {
            index: messages for index, item in enumerate(node) if (messages := _unstorable(item, message)) is not None
        }
        return found or None
    return None


class Request(flask.Request):
    """Flask's request whose get_json() parses within distro's bounds (distro/untrusted_json.py): a body nested too
    deep or holding a number too long is not JSON to it (None when silent, else a 400)."""

    json_module = untrusted_json


class Parser(FlaskParser):
    """webargs' parser reading JSON within distro's bounds and refusing text the database cannot hold in any
    location (JSON, query, form), before the schema sees it, so no view has to think of either."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            if req.content_length or req.headers.get("Transfer-Encoding"):
                # A body the route would not read: refused, rather than acting on defaults the client did not mean.
                abort(
                    415,
                    message=f"Send the body as JSON (Content-Type: application/json), not {req.mimetype or 'untyped'}.",
                )
            return core.missing
        return untrusted_json.loads(req.get_data(cache=True))

    def _handle_invalid_json_error(
        self, error: json.JSONDecodeError | UnicodeDecodeError, req: flask.Request, *args: Any, **kwargs: Any
    ) -> NoReturn:
        if isinstance(error, untrusted_json.JSONRefused):
            refused = f"The JSON body is refused: {error}."
            abort(400, exc=error, messages={"json": [refused]}, message=refused)
        super()._handle_invalid_json_error(error, req, *args, **kwargs)

    def pre_load(self, location_data: Any, *, schema, req, location: str) -> Any:
        refuse_unstorable_text(location_data)
        return super().pre_load(location_data, schema=schema, req=req, location=location)


class IdConverter(IntegerConverter):
    """<int:...> path segments: a number beyond bigint is a 404 whatever the method, rather than reaching the
    database (a converter's ValidationError would let werkzeug answer 405 when the path has other methods)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > BIGINT_MAX:
            raise NotFound(f"No such id: {value} is beyond the largest id.")
        return number


class TextConverter(UnicodeConverter):
    """<string:...> path segments: one holding a NUL (which PostgreSQL text refuses) matches no route (404)."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


class Api(ContractApi):
    """flask-smorest's Api whose every error is an RFC 9457 problem+json, and documented as one."""

    def handle_http_exception(self, error: HTTPException) -> Response:
        """Render an HTTP error (including webargs' 422) as problem+json; a browser's outside the API, as a page."""
        if page_errors.wants_page():
            return flask.make_response(page_errors.error_page(error))
        data = getattr(error, "data", None) or {}
        errors = None
        if "messages" in data:
            errors = flatten_field_messages(data["messages"])
        detail = data.get("message") or error.description
        status = error.code or 500
        if status == 422 and errors is not None:
            detail = "The request has invalid fields; see errors."
        return problem_response(
            status,
            error.name,
            detail,
            slug="validation-failed" if status == 422 else None,
            errors=errors,
            headers=data.get("headers"),
        )


class Blueprint(ContractBlueprint):
    """flask-smorest's Blueprint with distro's page sizes and argument parser, documenting each operation's errors
    (distro/openapi.py)."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}  # noqa: RUF012


def _not_blank(text: str) -> None:
    if not text.strip():
        raise ValidationError("Missing data for required field.")


class AdminReasonSchema(Schema):
    """Why an admin acts on an account, a shop or a product: required, and kept in the audit log."""

    reason = fields.String(
        required=True,
        validate=[validate.Length(max=500), _not_blank],
        metadata={"description": "Why (at most 500 characters); recorded in the audit log."},
    )

    @post_load
    def _stripped(self, data: dict, **_: object) -> dict:
        data["reason"] = data["reason"].strip()
        return data


def _unchanged(rows: list[Any]) -> list[Any]:
    return rows


@dataclass(frozen=True)
class Listing:
    """A select to page through, what to do with each page's rows before they are dumped, and, where the select
    itself would be slow to count or to page by OFFSET, a cheaper select counting the same rows and the select of a
    page (offset, limit) that picks its rows first."""

    query: sa.Select
    transform: Callable[[list[Any]], list[Any]] = _unchanged
    count: sa.Select | None = None
    paged: Callable[[int, int], sa.Select] | None = None
    replica: bool = False
    """Read on the request's replica session (distro.db.get_replica_session): a list where staleness is harmless."""


def _listing_session(collection: Any) -> Session:
    replica = isinstance(collection, Listing) and collection.replica
    return get_replica_session() if replica else get_session()


class SelectPage(flask_smorest.Page):
    """Pager over a SQLAlchemy select (or a Listing): counts with SQL, fetches one page with OFFSET/LIMIT."""

    @property
    def _query(self) -> sa.Select:
        return self.collection.query if isinstance(self.collection, Listing) else self.collection

    @property
    def item_count(self) -> int:
        count = self.collection.count if isinstance(self.collection, Listing) else None
        if count is None:
            count = sa.select(sa.func.count()).select_from(self._query.order_by(None).subquery())
        return int(_listing_session(self.collection).scalar(count) or 0)

    @property
    def items(self) -> list[Any]:
        params = self.page_params
        query = self._query
        # A page past the largest bigint offset is past the end too: empty, not a database error.
        offset = min(params.first_item, BIGINT_MAX)
        paged = self.collection.paged if isinstance(self.collection, Listing) else None
        if paged is not None:  # offset + limit stays a bigint: the paged select may read that many rows per source
            query = paged(offset, max(0, min(params.page_size, BIGINT_MAX - offset)))
        result = _listing_session(self.collection).execute(
            query.offset(offset).limit(params.page_size) if paged is None else query
        )
        # One entity per row pages as objects; several columns page as mappings.
        rows = list(result.scalars().all()) if len(query.column_descriptions) == 1 else list(result.mappings().all())
        return self.collection.transform(rows) if isinstance(self.collection, Listing) else rows


def init_app(app: Flask) -> Api:
    """Configure the request class (JSON read within bounds), path converters, OpenAPI (served at
    /api/openapi.json, docs at /api/docs) and the error handlers.

    Call before any blueprint is registered: routes take their converters when they are added.
    """
    app.url_map.converters.update(int=IdConverter, string=TextConverter, default=TextConverter)
    app.request_class = Request
    app.config.update(
        API_TITLE="distro",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_ASSETS_PATH,
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "S2B2C social distribution engine. Amounts are integer fen (分). Errors are RFC 9457 "
                    "problem+json. Money-moving POSTs honour an Idempotency-Key header."
                )
            },
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    )
    api = Api(app)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Response:
        return domain_error_response(error)

    @app.route(f"{SWAGGER_ASSETS_PATH}<path:filename>")
    def swagger_assets(filename: str) -> Response:
        """Swagger UI's files, served locally so the docs page needs no CDN."""
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)

    swagger_assets.access = "public"  # type: ignore[attr-defined]
    return api
