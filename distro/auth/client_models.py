"""API clients: integrations (an order system, an ERP) that sign in with a client id and secret, not a password."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from distro.clock import utcnow

CLIENT_ROLE_CHECK = "role IN ('supplier', 'finance', 'admin')"


class ApiClient(SQLModel, table=True):
    """An integration's credentials, acting as one account with one of its roles and a scope.

    The secret is kept only as its SHA-256 (it is 256 random bits, so a fast hash is enough: nothing to guess);
    an admin sees it once, when the client is made. A revoked client gets no new token, and the tokens it has
    stop working on their next request (authentication reads this row every time).
    """

    __tablename__ = "api_clients"
    __table_args__ = (
        sa.CheckConstraint(CLIENT_ROLE_CHECK, name="client_role"),
        sa.CheckConstraint("cardinality(scopes) > 0", name="has_a_scope"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # The public half of the credentials (client_id in RFC 6749), random so that ids cannot be counted.
    client_id: str = Field(max_length=40, unique=True)
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=80)
    role: str = Field(max_length=20)
    scopes: list[str] = Field(sa_type=postgresql.ARRAY(sa.String(30)))
    # The account the client acts as: its calls are that account's (a supplier's ERP, its supplier's account).
    user_id: int = Field(foreign_key="users.id", index=True, sa_type=sa.BigInteger)
    created_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    # When the client last got a token (not every call: that would write a row on each request).
    last_used_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
