"""broadcasts: one message to every owner, each owner's outside channel, the fan-out's chunks

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 05:40:00.000000

A broadcast (a campaign's start) is one row every inbox reads by visible_from; nothing is written per owner. Owners
choose an outside channel (WeChat subscribe message, SMS, none); the fan-out to them is split into chunks of owner
ids, one row per chunk, marked when sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("link_path", sa.String(length=300), nullable=True),
        sa.Column("visible_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("key", name="broadcasts_key_key"),
    )
    op.create_index("ix_broadcasts_visible_from", "broadcasts", ["visible_from"])
    op.create_table(
        "owner_notify_choices",
        sa.Column("owner_id", sa.BigInteger(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('wechat', 'sms', 'none')", name="known_channel"),
    )
    op.create_index(
        "ix_owner_notify_choices_opted_in",
        "owner_notify_choices",
        ["owner_id", "channel"],
        postgresql_where=sa.text("channel <> 'none'"),
    )
    op.create_table(
        "broadcast_chunks",
        sa.Column("broadcast_id", sa.BigInteger(), sa.ForeignKey("broadcasts.id"), primary_key=True),
        sa.Column("after_owner_id", sa.BigInteger(), primary_key=True),
        sa.Column("through_owner_id", sa.BigInteger(), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("broadcast_chunks")
    op.drop_index("ix_owner_notify_choices_opted_in", table_name="owner_notify_choices")
    op.drop_table("owner_notify_choices")
    op.drop_index("ix_broadcasts_visible_from", table_name="broadcasts")
    op.drop_table("broadcasts")
