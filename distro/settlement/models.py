"""Settlement batches, the payouts they make, and the payee accounts owners are paid to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models  # noqa: F401
from distro.clock import utcnow
from distro.settlement import lifecycle

TIMESTAMPTZ = sa.DateTime(timezone=True)
BATCH_STATUSES = lifecycle.STATUSES


class PayeeAccountBase(SQLModel):
    kind: str = Field(max_length=10)
    account_name: str = Field(max_length=60)
    account_number: str = Field(max_length=40)
    bank_name: str | None = Field(default=None, max_length=60)


class PayeeAccount(PayeeAccountBase, table=True):
    """Where an owner is paid: a bank card, WeChat Pay or Alipay account."""

    __tablename__ = "payee_accounts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('bank','wechat','alipay')", name="known_kind"),
        sa.Index("payee_accounts_one_default", "owner_id", unique=True, postgresql_where=sa.text("is_default")),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    owner_id: int = Field(foreign_key="users.id", index=True, sa_type=sa.BigInteger)
    is_default: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class SettlementBatch(SQLModel, table=True):
    """A run that turns payable commission into payouts, prepared by one finance user, approved by another."""

    __tablename__ = "settlement_batches"
    __table_args__ = (sa.CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="known_status"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    status: str = Field(default=lifecycle.COMPUTING, max_length=12)
    cutoff_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    created_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    approved_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    reason: str | None = Field(default=None, max_length=500)
    lines_claimed: int = 0
    claimed_owner_fen: int = Field(default=0, sa_type=sa.BigInteger)
    payout_total_fen: int = Field(default=0, sa_type=sa.BigInteger)
    payouts_count: int = 0
    held_count: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    computed_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    approved_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    finished_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    retried_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    # Written once by the computation and never changed (a trigger refuses it): see reconciliation.py.
    reconciliation: dict[str, Any] | None = Field(default=None, sa_type=JSONB(none_as_null=True))
    # A ledger posting id drawn while the computation held the settlement lock: the clawbacks and failed
    # payouts posted after it are the next computation's to show.
    ledger_mark: int | None = Field(default=None, sa_type=sa.BigInteger)


class Payout(SQLModel, table=True):
    """What one shop is paid in one batch; held when the owner has no payee account yet.

    No foreign keys: a computation writes a payout per shop in one statement, from joins with the
    batch, shops and payee accounts, and checking keys row by row would cost more than the write.
    """

    __tablename__ = "payouts"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "shop_id"),
        # The finance console pages a batch's payouts newest first, all of them or those of one status.
        sa.Index("ix_payouts_batch_id_id", "batch_id", "id"),
        sa.Index("ix_payouts_batch_id_status_id", "batch_id", "status", "id"),
        sa.CheckConstraint("status IN ('held','pending','paid','failed','cancelled')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # Found by batch through the unique (batch_id, shop_id) index.
    batch_id: int = Field(sa_type=sa.BigInteger)
    shop_id: int = Field(sa_type=sa.BigInteger)
    # Owners read their statements by owner.
    owner_id: int = Field(index=True, sa_type=sa.BigInteger)
    payee_account_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    amount_fen: int = Field(sa_type=sa.BigInteger)
    status: str = Field(default="pending", max_length=10)
    external_reference: str | None = Field(default=None, max_length=100)
    failure_reason: str | None = Field(default=None, max_length=500)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    # The ledger posting that paid, returned or cancelled it, one for all the payouts a request resolved
    # (transfers.py); NULL while open, and for payouts resolved before migration 0039 (`payout:<id>:<step>`).
    posting_id: int | None = Field(default=None, sa_type=sa.BigInteger)


class SettlementClaim(SQLModel, table=True):
    """A commission line claimed by a batch: the line is settled, and a later refund of it is a clawback.

    Narrow on purpose: a batch writes one per line, a million at a time.
    """

    __tablename__ = "settlement_claims"
    __table_args__ = (sa.Index("ix_settlement_claims_batch_id", "batch_id", postgresql_using="brin"),)

    line_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    batch_id: int = Field(sa_type=sa.BigInteger)


class PayoutSubmission(SQLModel, table=True):
    """A payout handed to a payout rail (distro/settlement/rails.py): once, whatever crashes or double clicks.

    Written and committed before the rail is called, so a payout that has a row is never submitted again;
    its result is asked for instead.
    """

    __tablename__ = "payout_submissions"

    payout_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    batch_id: int = Field(sa_type=sa.BigInteger, index=True)
    rail: str = Field(max_length=20)
    submitted_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    submitted_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
