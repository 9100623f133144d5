"""Demo data for `distro run` on an empty database: one account per role, known passwords."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from distro.auth import services as auth_services
from distro.auth.models import Role, User

DEMO_PASSWORD = "distro-demo-2026"  # noqa: S105 - printed on purpose: demo data only

DEMO_ACCOUNTS = [
    ("admin@distro.demo", "平台管理员", {Role.ADMIN}),
    ("finance@distro.demo", "财务 张会计", {Role.FINANCE}),
    ("checker@distro.demo", "财务 李复核", {Role.FINANCE}),
    ("supplier@distro.demo", "良品供应链", {Role.SUPPLIER}),
    ("owner@distro.demo", "王小美", {Role.SHOP_OWNER}),
]


def load_demo_data(*, session: Session) -> bool:
    """Load the demo accounts into an empty database; return False (and do nothing) if it has users."""
    if session.scalar(sa.select(sa.func.count()).select_from(User)):
        return False
    for email, name, roles in DEMO_ACCOUNTS:
        auth_services.create_user(session=session, email=email, password=DEMO_PASSWORD, display_name=name, roles=roles)
    return True
