"""Create the monthly partitions of the partitioned tables ahead of time (the daily job and migrations use it).

Each partitioned table is RANGE-partitioned on one column (a timestamptz cut at Asia/Shanghai midnights, or a
date) and has a default partition. A month's partition is created while the month is still ahead, so the default
stays empty; if rows of a month did land in the default (the job was stopped for months, or a clock was moved),
that month's partition cannot be created without moving them, and it is left for an operator with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from distro.clock import BUSINESS_TZ_NAME
from distro.partitions import rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionedTable:
    """A table RANGE-partitioned by month on column, a timestamptz (cut at business midnights) or a date."""

    table: str
    column: str
    column_is_date: bool = False
    each_partition: tuple[str, ...] = ()
    """DDL run on every partition made (its name in place of {partition}), idempotent: what the parent's own
    definition does not hand down to partitions, such as statement-level triggers."""


LEDGER_ENTRIES = PartitionedTable(
    "ledger_entries",
    "posted_at",
    each_partition=(
        # A statement trigger fires only on the table the statement names: an INSERT or TRUNCATE naming a partition
        # is held to the ledger's rules here (migrations/versions/0035_partition_ledger_entries.py).
        "CREATE OR REPLACE TRIGGER ledger_entries_balanced AFTER INSERT ON {partition} "
        "REFERENCING NEW TABLE AS inserted_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_balanced()",
        "CREATE OR REPLACE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON {partition} "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
    ),
)

PARTITIONED: tuple[PartitionedTable, ...] = (
    PartitionedTable("order_events", "received_at"),  # migration 0034
    LEDGER_ENTRIES,  # migration 0035
    PartitionedTable("share_click_counts", "day", column_is_date=True),  # migration 0036
)
"""Every monthly-partitioned table; each migration that partitions a table adds it here."""


def _bound(month: dt.date, *, column_is_date: bool) -> str:
    if column_is_date:
        return f"'{month.isoformat()}'"
    return f"'{month.isoformat()} 00:00:00 {BUSINESS_TZ_NAME}'"


def create_partition_sql(spec: PartitionedTable, month: dt.date) -> str:
    """The DDL that creates spec's partition for month if it is missing."""
    name = rules.partition_name(spec.table, month)
    low = _bound(month, column_is_date=spec.column_is_date)
    high = _bound(rules.next_month(month), column_is_date=spec.column_is_date)
    return f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {spec.table} FOR VALUES FROM ({low}) TO ({high})"


def create_default_partition_sql(spec: PartitionedTable) -> str:
    """The DDL that creates spec's default partition if it is missing."""
    return f"CREATE TABLE IF NOT EXISTS {rules.default_partition_name(spec.table)} PARTITION OF {spec.table} DEFAULT"


def ensure_partitions(connection: Connection, spec: PartitionedTable, months: list[dt.date]) -> list[str]:
    """Create spec's default partition and its partitions for months where missing; return the partitions created.

    A month whose rows already sit in the default partition is skipped with a warning (see the module's docstring);
    the rest are still created. The caller commits.
    """
    connection.execute(sa.text(create_default_partition_sql(spec)))
    _each_partition(connection, spec, rules.default_partition_name(spec.table))
    existing = set(
        connection.execute(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST(:t AS regclass)"
            ),
            {"t": spec.table},
        ).scalars()
    )
    created = []
    for month in months:
        name = rules.partition_name(spec.table, month)
        if name in existing:
            continue
        savepoint = connection.begin_nested()
        try:
            connection.execute(sa.text(create_partition_sql(spec, month)))
        except sa.exc.DBAPIError as error:
            savepoint.rollback()
            log.warning("partition %s not created: its rows are in the default partition (%s)", name, error.orig)
            continue
        savepoint.commit()
        _each_partition(connection, spec, name)
        created.append(name)
    return created


def _each_partition(connection: Connection, spec: PartitionedTable, partition: str) -> None:
    for statement in spec.each_partition:
        connection.execute(sa.text(statement.format(partition=partition)))


def is_partition(table: str) -> bool:
    """Whether table is a monthly or default partition of a table in PARTITIONED."""
    return any(
        table == rules.default_partition_name(spec.table) or rules.is_partition_name(spec.table, table)
        for spec in PARTITIONED
    )


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name hook: schema comparisons skip partitions, as the models declare only their parent."""
    return not (type_ == "table" and name is not None and is_partition(name))
