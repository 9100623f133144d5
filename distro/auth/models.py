"""Accounts, their roles and refresh tokens."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from distro.db import utcnow


class Role(enum.StrEnum):
    """What an account may do; one account may hold several roles."""

    SHOP_OWNER = "shop_owner"
    SUPPLIER = "supplier"
    FINANCE = "finance"
    ADMIN = "admin"


ROLE_CHECK = "roles <@ ARRAY['shop_owner','supplier','finance','admin']::varchar[]"


class UserBase(SQLModel):
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=60)


class User(UserBase, table=True):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("users_email_lower_key", sa.func.lower(sa.column("email")), unique=True),
        sa.CheckConstraint(ROLE_CHECK, name="known_roles"),
        sa.CheckConstraint("cardinality(roles) > 0", name="has_a_role"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    password_hash: str = Field(max_length=200)
    roles: list[str] = Field(sa_type=postgresql.ARRAY(sa.String(20)))
    is_active: bool = Field(default=True)
    # Shops this owner may open; None means the SHOPS_PER_OWNER setting. Raised by an admin.
    max_shops: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored by its SHA-256 only; each use rotates it within its family."""

    __tablename__ = "refresh_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, sa_type=sa.BigInteger)
    # All tokens descended from one sign-in share a family; reuse of a rotated token revokes it.
    family: str = Field(max_length=36, index=True)
    expires_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    used_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
