"""Accounts, their roles, refresh tokens, phone codes and page sessions."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from distro.clock import utcnow


class Role(enum.StrEnum):
    """What an account may do; one account may hold several roles."""

    SHOP_OWNER = "shop_owner"
    SUPPLIER = "supplier"
    FINANCE = "finance"
    ADMIN = "admin"


ROLE_CHECK = "roles <@ ARRAY['shop_owner','supplier','finance','admin']::varchar[]"
PHONE_ALL_OR_NONE = (
    "(phone_reference IS NULL) = (phone_verified_at IS NULL) AND (phone_masked IS NULL) = (phone_verified_at IS NULL)"
)

EMAIL_OR_PHONE = "email IS NOT NULL OR phone_verified_at IS NOT NULL"
"""What an account signs in with: an email, a verified phone, or both."""


class UserBase(SQLModel):
    # None for an owner who signed up on the app with a phone (then verified: EMAIL_OR_PHONE).
    email: str | None = Field(default=None, max_length=254)
    display_name: str = Field(max_length=60)


class User(UserBase, table=True):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("users_email_lower_key", sa.func.lower(sa.column("email")), unique=True),
        sa.CheckConstraint(ROLE_CHECK, name="known_roles"),
        sa.CheckConstraint("cardinality(roles) > 0", name="has_a_role"),
        # One verified account per phone: a phone is how a buyer is recognised as a shop's owner.
        sa.Index(
            "users_phone_reference_key",
            "phone_reference",
            unique=True,
            postgresql_where=sa.text("phone_verified_at IS NOT NULL"),
        ),
        sa.CheckConstraint(PHONE_ALL_OR_NONE, name="phone_all_or_none"),
        sa.CheckConstraint(EMAIL_OR_PHONE, name="email_or_phone"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    password_hash: str = Field(max_length=200)
    roles: list[str] = Field(sa_type=postgresql.ARRAY(sa.String(20)))
    is_active: bool = Field(default=True)
    # Access tokens carry the version they were issued under, and one below this is refused: a deactivation
    # raises it, so reactivating the account does not bring back the tokens it had.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Shops this owner may open; None means the SHOPS_PER_OWNER setting. Raised by an admin.
    max_shops: int | None = None
    # The holder's phone once verified by SMS code. Never the number: its keyed reference
    # (distro.phones.phone_reference, the same as a buyer's on an order) and its masked form.
    phone_reference: str | None = Field(default=None, max_length=40)
    phone_masked: str | None = Field(default=None, max_length=20)
    phone_verified_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
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


class CodePurpose(enum.StrEnum):
    """What a code sent by SMS is for: each verifies only what it was sent for."""

    VERIFY = "verify"  # giving an account a phone
    SIGN_UP = "sign_up"  # opening an account with a phone (no account yet)
    RESET = "reset"  # setting a new password for the account holding the phone


class PhoneCode(SQLModel, table=True):
    """A verification code sent by SMS for a phone and a purpose (and the account, but for signing up), stored
    only as a keyed hash.

    In PostgreSQL rather than Redis alone, so that verifying a phone survives a Redis outage; the rows
    are also what the sending limits count.
    """

    __tablename__ = "phone_codes"
    __table_args__ = (
        sa.Index("ix_phone_codes_phone_sent", "phone_reference", "sent_at"),
        sa.Index("ix_phone_codes_user_sent", "user_id", "sent_at"),
        sa.CheckConstraint("purpose IN ('verify', 'sign_up', 'reset')", name="known_purpose"),
        sa.CheckConstraint("(user_id IS NULL) = (purpose = 'sign_up')", name="account_unless_sign_up"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    user_id: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    purpose: str = Field(default=CodePurpose.VERIFY, max_length=10, sa_column_kwargs={"server_default": "verify"})
    phone_reference: str = Field(max_length=40)
    code_hash: str = Field(max_length=64)
    sent_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    expires_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    # Wrong codes tried against this one; at MAX_CODE_ATTEMPTS it no longer verifies.
    attempts: int = Field(default=0)
    used_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class WebSession(SQLModel, table=True):
    """A sign-in on distro's pages, stored by the SHA-256 of its token only: the cookie holds the token.

    A row rather than a signed cookie alone, so that a session can be ended from the server: by signing
    out, or everywhere at once when an admin deactivates the account.
    """

    __tablename__ = "web_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    expires_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    ended_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
