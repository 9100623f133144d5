"""Liveness and readiness probes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from distro.auth.access import public
from distro.db import get_session
from distro.errors import problem_response
from distro.migrate import current_revision, head_revision
from distro.queue import redis_for

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    """The process is up."""
    return jsonify(status="ok")


def server_checks() -> dict[str, str]:
    """PostgreSQL, its migrations and Redis: "ok" each, or why not (what /readyz and the console's 系统状态 show)."""
    checks: dict[str, str] = {}
    try:
        get_session().execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revision(current_app.config["DATABASE_URL"]), head_revision()
        if current == head:
            checks["migrations"] = "ok"
        else:
            checks["migrations"] = f"{'never migrated' if current is None else f'at {current}'}; code needs {head}"
    except Exception as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
        checks["migrations"] = "unknown"
    try:
        redis_for(current_app.config["REDIS_URL"]).ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"unreachable: {type(error).__name__}"
    return checks


@bp.get("/readyz")
@public
def readyz() -> Response:
    """PostgreSQL and Redis answer and the database is at the code's migration head."""
    checks = server_checks()
    failing = [name for name, value in checks.items() if value != "ok"]
    if not failing:
        return jsonify(status="ready", checks=checks)
    detail = f"Not ready: {', '.join(failing)}; see checks."
    return problem_response(503, "Not ready", detail, slug="not-ready", checks=checks)
