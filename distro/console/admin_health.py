"""系统状态 (admin): PostgreSQL and Redis reachability, RQ's queues and workers, and each cron job's last run.

The server checks are /readyz's (distro.health.server_checks); the rest is read from Redis by
distro.console.admin_health_queries. With Redis away the page still answers, saying so.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from distro.auth.models import Role
from distro.console.access import console_page
from distro.console.admin_health_queries import queue_health
from distro.console.blueprint import bp, menu_item
from distro.health import server_checks
from distro.queue import redis_for

menu_item(Role.ADMIN, "console.admin_health", _l("系统状态"), order=100)

SERVERS = {"database": _l("PostgreSQL 数据库"), "migrations": _l("数据库迁移"), "redis": _l("Redis")}
"""The page's words for each of server_checks' names."""


@bp.get("/admin/health")
@console_page(Role.ADMIN)
def admin_health() -> str:
    """系统状态: servers, queues, workers and cron, as they are now."""
    checks = server_checks()
    health = queue_health(redis_for(current_app.config["REDIS_URL"]))
    return render_template("console/admin/health.html", checks=checks, servers=SERVERS, health=health)
