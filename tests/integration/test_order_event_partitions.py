"""order_events is partitioned by month of receipt, and a webhook-id is stored once whichever month it comes back in."""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import command

from distro import migrate
from distro.auth.models import Role
from distro.commission import services
from distro.db import engine_for
from distro.partitions import maintenance
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid, post_event

SPEC = maintenance.PartitionedTable("order_events", "received_at")
STORE = sa.text(
    "INSERT INTO order_events (id, type, order_ref, data, status, received_at) "
    "VALUES (:id, 'order.paid', :ref, CAST(:data AS jsonb), :status, CAST(:at AS timestamptz)) RETURNING id"
)


def store(connection, event_id: str, at: str, data: dict, status: str = "received") -> bool:
    """Insert an event received at `at` as any writer does; whether it was stored."""
    params = {"id": event_id, "ref": data["order_id"], "data": json.dumps(data), "status": status, "at": at}
    return connection.execute(STORE, params).first() is not None


def partition_of(connection, event_id: str) -> str:
    return connection.execute(
        sa.text("SELECT tableoid::regclass::text FROM order_events WHERE id = :id"), {"id": event_id}
    ).scalar_one()


def test_an_event_sent_again_months_later_is_a_duplicate_and_is_processed_once(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
    make_shop(session, app, make_user(session, Role.SHOP_OWNER), slug="mei", carrying=[tea])
    data = paid("A1", "mei", [("1", tea.id, 12_800)])
    maintenance.ensure_partitions(session.connection(), SPEC, [dt.date(2026, 9, 1)])
    assert store(session.connection(), "evt_sept", "2026-09-15 10:00:00+08", data)
    rules = commission_rules(app, session)
    assert services.process_order(session=session, order_ref="A1", rules=rules) == "processed"

    again = post_event(client, app, "order.paid", data, event_id="evt_sept")

    assert again.status_code == 200 and again.get_json() == {"id": "evt_sept", "status": "duplicate"}
    assert session.scalar(sa.text("SELECT count(*) FROM order_events WHERE id = 'evt_sept'")) == 1
    assert partition_of(session.connection(), "evt_sept") == "order_events_y2026m09"
    assert services.process_order(session=session, order_ref="A1", rules=rules) == "idle"
    assert session.scalar(sa.text("SELECT count(*) FROM commission_lines")) == 1


def test_an_id_sent_twice_in_one_statement_or_by_another_writer_is_stored_once(session):
    data = paid("A2", None, [("1", 1, 100)])
    assert store(session.connection(), "evt_twice", "2026-12-05 10:00:00+08", data)
    assert not store(session.connection(), "evt_twice", "2027-01-20 10:00:00+08", data)
    assert session.scalar(sa.text("SELECT count(*) FROM order_event_ids WHERE id = 'evt_twice'")) == 1


def test_events_of_two_months_land_in_their_months_partitions_cut_at_shanghai_midnight(session):
    connection = session.connection()
    maintenance.ensure_partitions(connection, SPEC, [dt.date(2027, 5, 1), dt.date(2027, 6, 1)])
    store(connection, "evt_may", "2027-05-31 23:59:59+08", paid("M1", None, [("1", 1, 100)]))
    store(connection, "evt_june", "2027-05-31 16:00:00+00", paid("J1", None, [("1", 1, 100)]))
    assert partition_of(connection, "evt_may") == "order_events_y2027m05"
    assert partition_of(connection, "evt_june") == "order_events_y2027m06"


def test_the_migration_moves_existing_events_into_their_months_and_keeps_them_once(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0033")
    with engine.begin() as connection:
        store(connection, "evt_oct", "2026-10-02 09:00:00+08", paid("O1", None, [("1", 1, 100)]), "processed")
        store(connection, "evt_q", "2026-11-30 23:30:00+08", paid("O2", None, [("1", 1, 100)]), "quarantined")
        store(connection, "evt_new", "2026-12-01 00:30:00+08", paid("O3", None, [("1", 1, 100)]))

    migrate.upgrade(empty_db, "0034")

    with engine.begin() as connection:
        partitions = {event: partition_of(connection, event) for event in ("evt_oct", "evt_q", "evt_new")}
        statuses = dict(connection.execute(sa.text("SELECT id, status FROM order_events")).all())
        assert not store(connection, "evt_oct", "2026-12-05 10:00:00+08", paid("O1", None, [("1", 1, 100)]))
    assert partitions == {
        "evt_oct": "order_events_y2026m10",
        "evt_q": "order_events_y2026m11",
        "evt_new": "order_events_y2026m12",
    }
    assert statuses == {"evt_oct": "processed", "evt_q": "quarantined", "evt_new": "received"}

    command.downgrade(migrate.alembic_config(empty_db), "0033")
    with engine.connect() as connection:
        back = dict(connection.execute(sa.text("SELECT id, status FROM order_events")).all())
    assert back == statuses


def test_an_orders_new_events_received_in_two_months_are_all_marked_processed_in_one_batch(app, session):
    supplier_user, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
    make_shop(session, app, make_user(session, Role.SHOP_OWNER), slug="mei", carrying=[tea])
    maintenance.ensure_partitions(session.connection(), SPEC, [dt.date(2026, 9, 1), dt.date(2026, 10, 1)])
    store(session.connection(), "evt_paid", "2026-09-30 10:00:00+08", paid("A3", "mei", [("1", tea.id, 12_800)]))
    shipped = {"order_id": "A3", "shipped_at": "2026-10-02T10:00:00+08:00"}
    session.execute(
        sa.text(
            "INSERT INTO order_events (id, type, order_ref, data, status, received_at) VALUES "
            "('evt_shipped', 'order.shipped', 'A3', CAST(:data AS jsonb), 'received', '2026-10-02 11:00:00+08')"
        ),
        {"data": json.dumps(shipped)},
    )

    outcome = services.process_orders(session=session, order_refs=["A3"], rules=commission_rules(app, session))

    assert outcome == {"A3": "processed"}
    marked = session.execute(sa.text("SELECT id, status, processed_at IS NOT NULL FROM order_events ORDER BY id"))
    assert marked.all() == [("evt_paid", "processed", True), ("evt_shipped", "processed", True)]
