"""Click counts are partitioned by month: each month's counts sit in its partition, the fold still adds up once,
day ranges read only their months, and migration 0036 moves the counts already there."""

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from distro import migrate
from distro.clock import BUSINESS_TZ, utcnow
from distro.db import engine_for
from distro.partitions import maintenance, rules
from distro.share import services
from distro.share.models import ShareLink
from tests.factories import make_shop

CLICKS = maintenance.PartitionedTable("share_click_counts", "day", column_is_date=True)
OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
# The last minutes of October and the first of November, in Shanghai.
LATE_OCTOBER = dt.datetime(2026, 10, 31, 23, 50, tzinfo=BUSINESS_TZ)
EARLY_NOVEMBER = dt.datetime(2026, 11, 1, 0, 10, tzinfo=BUSINESS_TZ)


def link(session, app) -> ShareLink:
    shop = make_shop(session, app)
    made = ShareLink(code="Months01", shop_id=shop.id, channel="wechat_moments", created_by=shop.owner_id)
    session.add(made)
    session.commit()
    return made


def click(redis, link_id: int, visitor: str, at: dt.datetime) -> None:
    services.record_clicks(redis, [services.Click(link_id=link_id, visitor=visitor, at=at)])


def counts_by_partition(session) -> list[tuple[str, dt.date, int, int]]:
    return [
        tuple(row)
        for row in session.execute(
            sa.text("SELECT tableoid::regclass::text, day, clicks, unique_clicks FROM share_click_counts ORDER BY day")
        )
    ]


def test_click_counts_are_among_the_tables_partitioned_by_month():
    assert CLICKS in maintenance.PARTITIONED


def test_counts_of_two_months_land_in_their_months_partitions_and_a_second_fold_adds_nothing(app, session, redis):
    maintenance.ensure_partitions(session.connection(), CLICKS, [OCTOBER, NOVEMBER])
    shared = link(session, app)
    click(redis, shared.id, "a", LATE_OCTOBER)
    click(redis, shared.id, "a", LATE_OCTOBER)
    click(redis, shared.id, "b", EARLY_NOVEMBER)
    assert services.fold_clicks(session=session, connection=redis) == 3
    assert services.fold_clicks(session=session, connection=redis) == 0
    click(redis, shared.id, "c", EARLY_NOVEMBER)
    assert services.fold_clicks(session=session, connection=redis) == 1
    assert counts_by_partition(session) == [
        ("share_click_counts_y2026m10", dt.date(2026, 10, 31), 2, 1),
        ("share_click_counts_y2026m11", dt.date(2026, 11, 1), 2, 2),
    ]


def test_a_day_range_reads_only_its_months_partitions(app, session):
    maintenance.ensure_partitions(session.connection(), CLICKS, [OCTOBER, NOVEMBER])
    plan = "\n".join(
        session.execute(
            sa.text("EXPLAIN SELECT sum(clicks) FROM share_click_counts WHERE day BETWEEN :start AND :end"),
            {"start": dt.date(2026, 11, 2), "end": dt.date(2026, 11, 30)},
        ).scalars()
    )
    assert "share_click_counts_y2026m11" in plan
    assert "share_click_counts_y2026m10" not in plan
    assert "share_click_counts_default" not in plan


def test_the_migration_moves_the_counts_into_their_months_and_back_on_downgrade(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0035")
    this_month = rules.month_start(utcnow().astimezone(BUSINESS_TZ).date())
    a_year_ago = rules.month_start(this_month - dt.timedelta(days=360))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at)"
                " VALUES (1, 'owner@example.cn', 'owner', 'x', ARRAY['shop_owner']::varchar[], true, now())"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO shops (id, name, slug, owner_id, display_name, status, tier_code, created_at)"
                " VALUES (1, '小店', 'xiaodian', 1, '小店', 'active', 'new', now())"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO share_links (id, code, shop_id, channel, created_by, created_at)"
                " VALUES (1, 'Before34', 1, 'qr', 1, now())"
            )
        )
        connection.execute(
            sa.text("INSERT INTO share_click_counts VALUES (1, :old, 5, 3), (1, :new, 7, 2)"),
            {"old": a_year_ago + dt.timedelta(days=4), "new": this_month},
        )
    migrate.upgrade(empty_db, "0036")
    with engine.connect() as connection:
        moved = connection.execute(
            sa.text("SELECT tableoid::regclass::text, clicks, unique_clicks FROM share_click_counts ORDER BY day")
        ).all()
        partitions = set(
            connection.execute(
                sa.text(
                    "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'share_click_counts'::regclass"
                )
            ).scalars()
        )
    assert [tuple(row) for row in moved] == [
        (rules.partition_name("share_click_counts", a_year_ago), 5, 3),
        (rules.partition_name("share_click_counts", this_month), 7, 2),
    ]
    # Every month from the earliest counted through the months made ahead, and the default.
    expected = rules.months_from(a_year_ago, rules.months_to_have(this_month)[-1])
    assert partitions == {rules.partition_name("share_click_counts", month) for month in expected} | {
        "share_click_counts_default"
    }
    # The primary key and the foreign key came along.
    for link_id in (1, 2):
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO share_click_counts VALUES (:link, :day, 1, 1)"),
                {"link": link_id, "day": this_month},
            )
    command.downgrade(migrate.alembic_config(empty_db), "0035")
    with engine.connect() as connection:
        back = connection.execute(
            sa.text("SELECT tableoid::regclass::text, clicks FROM share_click_counts ORDER BY day")
        ).all()
    assert [tuple(row) for row in back] == [("share_click_counts", 5), ("share_click_counts", 7)]
