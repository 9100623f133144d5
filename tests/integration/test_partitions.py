"""Monthly partitions are made ahead, cut at Shanghai midnights, and a month already in the default is left alone."""

import datetime as dt

import sqlalchemy as sa

from distro.partitions import maintenance

SPEC = maintenance.PartitionedTable("partition_probe", "at")


def _make_probe(connection: sa.Connection) -> None:
    connection.execute(
        sa.text("CREATE TABLE partition_probe (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at)")
    )


def _partition_of(connection: sa.Connection, at: str) -> str:
    connection.execute(sa.text("INSERT INTO partition_probe VALUES (1, CAST(:at AS timestamptz))"), {"at": at})
    return connection.execute(
        sa.text("SELECT tableoid::regclass::text FROM partition_probe WHERE at = CAST(:at AS timestamptz)"), {"at": at}
    ).scalar_one()


def test_a_month_partition_holds_the_shanghai_month_and_the_default_the_rest(connection: sa.Connection) -> None:
    _make_probe(connection)
    created = maintenance.ensure_partitions(connection, SPEC, [dt.date(2026, 12, 1)])
    assert created == ["partition_probe_y2026m12"]
    # 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Shanghai: December's.
    assert _partition_of(connection, "2026-11-30 16:00:00+00") == "partition_probe_y2026m12"
    assert _partition_of(connection, "2026-11-30 15:59:59+00") == "partition_probe_default"
    assert _partition_of(connection, "2027-01-05 00:00:00+08") == "partition_probe_default"


def test_ensuring_again_creates_nothing_and_skips_a_month_whose_rows_are_in_the_default(
    connection: sa.Connection,
) -> None:
    _make_probe(connection)
    maintenance.ensure_partitions(connection, SPEC, [dt.date(2026, 12, 1)])
    _partition_of(connection, "2027-01-05 00:00:00+08")  # lands in the default
    created = maintenance.ensure_partitions(
        connection, SPEC, [dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1)]
    )
    assert created == ["partition_probe_y2027m02"]
    assert _partition_of(connection, "2027-02-10 00:00:00+08") == "partition_probe_y2027m02"
