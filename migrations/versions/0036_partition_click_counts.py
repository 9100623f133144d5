"""partition click counts: share_click_counts RANGE-partitioned by month on day, for the capacity model

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 11:30:00.000000

A link's counts grow by a row a day for as long as it is clicked; by month, old months can be detached and kept
apart, and the analytics' and rankings' day ranges read only their months. The table is made anew, partitioned,
with the same columns, primary key (link_id, day) and foreign key; a partition for every month from the earliest
day already counted (or this month) through MONTHS_AHEAD ahead, a default partition, and the rows moved over.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from distro.clock import BUSINESS_TZ, utcnow
from distro.partitions import maintenance, rules

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPEC = maintenance.PartitionedTable("share_click_counts", "day", column_is_date=True)


def _table_sql(partitioned: bool) -> str:
    """The table as migration 0004 made it, with its constraints' names, partitioned by month on day or not."""
    return (
        "CREATE TABLE share_click_counts (link_id bigint NOT NULL, day date NOT NULL, clicks bigint NOT NULL,"
        " unique_clicks bigint NOT NULL,"
        " CONSTRAINT share_click_counts_pkey PRIMARY KEY (link_id, day),"
        " CONSTRAINT share_click_counts_link_id_fkey FOREIGN KEY (link_id) REFERENCES share_links(id))"
        + (" PARTITION BY RANGE (day)" if partitioned else "")
    )


def _swap(partitioned: bool) -> None:
    """Rename the table aside, create it anew (partitioned or not), move its rows, drop the old one."""
    op.execute("ALTER TABLE share_click_counts RENAME TO share_click_counts_old")
    op.execute(
        "ALTER TABLE share_click_counts_old RENAME CONSTRAINT share_click_counts_pkey TO share_click_counts_old_pkey"
    )
    op.execute(
        "ALTER TABLE share_click_counts_old RENAME CONSTRAINT share_click_counts_link_id_fkey"
        " TO share_click_counts_old_link_id_fkey"
    )
    op.execute(_table_sql(partitioned))
    if partitioned:
        connection = op.get_bind()
        earliest = connection.execute(sa.text("SELECT min(day) FROM share_click_counts_old")).scalar()
        today = utcnow().astimezone(BUSINESS_TZ).date()
        months = rules.months_from(min(earliest or today, today), rules.months_to_have(today)[-1])
        maintenance.ensure_partitions(connection, SPEC, months)
    op.execute(
        "INSERT INTO share_click_counts (link_id, day, clicks, unique_clicks)"
        " SELECT link_id, day, clicks, unique_clicks FROM share_click_counts_old"
    )
    op.execute("DROP TABLE share_click_counts_old")


def upgrade() -> None:
    _swap(partitioned=True)


def downgrade() -> None:
    _swap(partitioned=False)
