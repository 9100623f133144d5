"""partition order_events by month of received_at; every webhook-id once, in order_event_ids

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 11:00:00.000000

order_events grows by every order event distro is sent, the fastest of its tables, and nearly all of it is processed
history. It becomes RANGE-partitioned by month (distro/partitions: a default partition and one per month, cut at
Shanghai midnights) from the month of its earliest event through MONTHS_AHEAD months past this one; its rows move.

A partitioned table's unique keys must hold its partition column, so order_events' key becomes (id, received_at),
and the webhook-id's own uniqueness moves to order_event_ids (id, received_at), filled by a BEFORE INSERT trigger
that drops an event whose id is there already: an event sent again a month later is stored once, whichever
statement inserts it (the webhook's, the storefront's), and `RETURNING` says whether it was.

Indexes kept, per partition: order_ref, the unprocessed events' received_at (the claim). ix_order_events_status
(every event's status) becomes ix_order_events_quarantined (received_at, quarantined events only): the
quarantine list was its only reader that no other index serves, and processed events no longer write an entry.
No foreign key names order_events.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from distro.clock import BUSINESS_TZ, BUSINESS_TZ_NAME, utcnow
from distro.partitions import maintenance, rules

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPEC = maintenance.PartitionedTable("order_events", "received_at")
COLUMNS = "id, type, order_ref, data, status, quarantine_reason, received_at, processed_at"
COPY_ROWS = f"INSERT INTO order_events ({COLUMNS}) SELECT {COLUMNS} FROM order_events_old"  # noqa: S608 - constants

ONCE = """
CREATE FUNCTION order_events_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_event_ids (id, received_at) VALUES (NEW.id, NEW.received_at) ON CONFLICT (id) DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- this webhook-id was stored before, in this month or another: not again
END
$$
"""


def _columns() -> list[sa.Column]:
    return [
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("quarantine_reason", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('received','processed','quarantined')", name="known_status"),
    ]


def _rename_indexes(table: str, to: str, names: Sequence[str]) -> None:
    for name in names:
        op.execute(f"ALTER INDEX {name} RENAME TO {name.replace(table, to, 1)}")


def upgrade() -> None:
    op.rename_table("order_events", "order_events_old")
    _rename_indexes(
        "order_events",
        "order_events_old",
        ["order_events_pkey", "ix_order_events_order_ref", "ix_order_events_status", "ix_order_events_unprocessed"],
    )
    op.create_table(
        "order_events",
        *_columns(),
        sa.PrimaryKeyConstraint("id", "received_at"),
        postgresql_partition_by="RANGE (received_at)",
    )
    op.create_index(op.f("ix_order_events_order_ref"), "order_events", ["order_ref"], unique=False)
    op.create_index(
        "ix_order_events_unprocessed",
        "order_events",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("status = 'received'"),
    )
    op.create_index(
        "ix_order_events_quarantined",
        "order_events",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("status = 'quarantined'"),
    )
    op.create_table(
        "order_event_ids",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    connection = op.get_bind()
    today = utcnow().astimezone(BUSINESS_TZ).date()
    earliest = connection.execute(
        sa.text("SELECT CAST(min(received_at) AT TIME ZONE :zone AS date) FROM order_events_old"),
        {"zone": BUSINESS_TZ_NAME},
    ).scalar_one()
    months = rules.months_from(min(earliest or today, today), rules.months_to_have(today)[-1])
    maintenance.ensure_partitions(connection, SPEC, months)
    op.execute(COPY_ROWS)
    op.execute("INSERT INTO order_event_ids (id, received_at) SELECT id, received_at FROM order_events_old")
    op.drop_table("order_events_old")

    op.execute(ONCE)
    op.execute(
        "CREATE TRIGGER once_per_webhook_id BEFORE INSERT ON order_events "
        "FOR EACH ROW EXECUTE FUNCTION order_events_once()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER once_per_webhook_id ON order_events")
    op.execute("DROP FUNCTION order_events_once()")
    op.rename_table("order_events", "order_events_old")
    _rename_indexes(
        "order_events",
        "order_events_old",
        [
            "order_events_pkey",
            "ix_order_events_order_ref",
            "ix_order_events_unprocessed",
            "ix_order_events_quarantined",
        ],
    )
    op.create_table("order_events", *_columns(), sa.PrimaryKeyConstraint("id"))
    op.execute(COPY_ROWS)
    op.execute("DROP TABLE order_events_old")  # its partitions with it
    op.drop_table("order_event_ids")
    op.create_index(op.f("ix_order_events_order_ref"), "order_events", ["order_ref"], unique=False)
    op.create_index(op.f("ix_order_events_status"), "order_events", ["status"], unique=False)
    op.create_index(
        "ix_order_events_unprocessed",
        "order_events",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("status = 'received'"),
    )
