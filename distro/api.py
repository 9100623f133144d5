"""API conventions: the flask-smorest Api with problem+json errors, blueprints, pagination."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask_smorest
import sqlalchemy as sa
import swagger_ui_bundle
from flask import Flask, Response, send_from_directory
from werkzeug.exceptions import HTTPException

from distro.db import get_session
from distro.errors import DomainError, domain_error_response, flatten_field_messages, problem_response

API_PREFIX = "/api/v1"
SWAGGER_ASSETS_PATH = "/api/docs/assets/"


class Api(flask_smorest.Api):
    """flask-smorest's Api whose every error is an RFC 9457 problem+json."""

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        """Render an HTTP error (including webargs' 422) as problem+json."""
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


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with distro's page sizes."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}  # noqa: RUF012


@dataclass(frozen=True)
class Listing:
    """A select to page through, and what to do with each page's rows before they are dumped."""

    query: sa.Select
    transform: Callable[[list[Any]], list[Any]]


class SelectPage(flask_smorest.Page):
    """Pager over a SQLAlchemy select (or a Listing): counts with SQL, fetches one page with OFFSET/LIMIT."""

    @property
    def _query(self) -> sa.Select:
        return self.collection.query if isinstance(self.collection, Listing) else self.collection

    @property
    def item_count(self) -> int:
        count = sa.select(sa.func.count()).select_from(self._query.order_by(None).subquery())
        return int(get_session().scalar(count) or 0)

    @property
    def items(self) -> list[Any]:
        params = self.page_params
        query = self._query
        result = get_session().execute(query.offset(params.first_item).limit(params.page_size))
        # One entity per row pages as objects; several columns page as mappings.
        rows = list(result.scalars().all()) if len(query.column_descriptions) == 1 else list(result.mappings().all())
        return self.collection.transform(rows) if isinstance(self.collection, Listing) else rows


def init_app(app: Flask) -> Api:
    """Configure OpenAPI (served at /api/openapi.json, docs at /api/docs) and the error handlers."""
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
