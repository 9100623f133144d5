"""Recent sales: units sold in paid orders over the last RECENT_SALES_DAYS days, recounted by a periodic job."""

import datetime as dt

import pytest
import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission import services as commission
from distro.db import advisory_xact_lock, engine_for
from distro.queue import get_queue
from distro.suppliers import recent_sales as recount
from distro.suppliers.jobs import refresh_recent_sales
from distro.suppliers.models import Product
from tests.factories import bearer, commission_rules, make_product, make_shop, make_supplier, make_user, post_event
from tests.integration.workers import BurstWorker

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def days_ago(days: int) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


def order(client, app, session, order_id, paid_days_ago, lines, *, refunds=(), cancelled=False):
    """An order through the webhook and the processing job: lines are (line id, product, quantity, paid fen)."""
    post_event(
        client,
        app,
        "order.paid",
        {
            "order_id": order_id,
            "paid_at": days_ago(paid_days_ago),
            "buyer": {"reference": f"buyer-{order_id}"},
            "shop": "sales-shop",
            "total_paid_fen": sum(fen for *_, fen in lines),
            "lines": [
                {"line_id": line, "product_id": product.id, "quantity": quantity, "paid_fen": fen}
                for line, product, quantity, fen in lines
            ],
        },
    )
    for number, (line, amount_fen) in enumerate(refunds):
        post_event(
            client,
            app,
            "order.refunded",
            {
                "order_id": order_id,
                "refund_id": f"r{number}",
                "refunded_at": days_ago(0),
                "lines": [{"line_id": line, "amount_fen": amount_fen}],
            },
        )
    if cancelled:
        post_event(client, app, "order.cancelled", {"order_id": order_id, "cancelled_at": days_ago(0)})
    assert (
        commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
        == "processed"
    )


@pytest.fixture
def products(app, session):
    """Three pool products (tea, rice, honey, 100 fen each) and the shop 'sales-shop' that sells them."""
    supplier_user, _ = make_supplier(session, app)
    make_shop(session, app, slug="sales-shop")
    return [
        make_product(session, app, supplier_user, title=title, price_fen=100, other_platform_price_fen=100)
        for title in ("茶", "米", "蜜")
    ]


def recent_sales(session, products):
    session.expire_all()
    return [session.get(Product, product.id).recent_sales for product in products]


def test_recent_sales_count_units_paid_in_the_window_less_refunds_and_cancellations(client, app, session, products):
    tea, rice, honey = products
    order(client, app, session, "A1", 3, [("1", tea, 2, 200), ("2", rice, 1, 100)])
    order(client, app, session, "A2", 31, [("1", tea, 5, 500)])  # paid before the 30-day window
    order(client, app, session, "A3", 2, [("1", rice, 4, 400)], cancelled=True)
    # A third of tea's line paid back: one unit returned. Rice refunded whole: none sold.
    order(client, app, session, "A4", 1, [("1", tea, 3, 300), ("2", rice, 1, 100)], refunds=[("1", 100), ("2", 100)])
    # A fifth of honey's price paid back is an adjustment, not a returned unit; a free line still sold.
    order(client, app, session, "A5", 1, [("1", honey, 1, 100), ("2", honey, 1, 0)], refunds=[("1", 20)])

    assert recount.refresh_recent_sales(session=session, days=30, now=NOW) == 3
    assert recent_sales(session, products) == [2 + 2, 1, 2]
    assert recount.refresh_recent_sales(session=session, days=30, now=NOW) == 0  # nothing moved
    assert recount.refresh_recent_sales(session=session, days=30, now=NOW + dt.timedelta(days=28)) == 2
    assert recent_sales(session, products) == [2, 0, 2]  # A1 left the window; A4 and A5 are still in it


def test_the_pool_sorted_by_recent_sales_puts_the_best_sellers_first(client, app, session, products):
    tea, rice, honey = products
    order(client, app, session, "B1", 1, [("1", rice, 5, 500), ("2", honey, 2, 200)])
    recount.refresh_recent_sales(session=session, days=30, now=NOW)
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.get("/api/v1/pool?sort=recent_sales", headers=bearer(app, owner))
    assert [(item["id"], item["recent_sales"]) for item in response.get_json()] == [
        (rice.id, 5),
        (honey.id, 2),
        (tea.id, 0),
    ]


def test_a_refresh_already_running_elsewhere_is_not_run_twice(app, session, database_url, products):
    session.execute(sa.update(Product).values(recent_sales=9))
    session.commit()
    with Session(engine_for(database_url)) as other:
        assert advisory_xact_lock(other, recount.RECENT_SALES_LOCK)
        assert recount.refresh_recent_sales(session=session, days=30, now=NOW) is None
    assert recent_sales(session, products) == [9, 9, 9]


def test_a_real_worker_runs_the_periodic_refresh(app, committed_db, redis):
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, app)
        stale = make_product(session, app, supplier_user)
        stale.recent_sales = 40  # sold long ago: nothing in the window any more
        session.commit()
    job = get_queue("periodic", redis).enqueue(refresh_recent_sales)
    BurstWorker([get_queue("periodic", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert job.latest_result().return_value == 1
    with Session(engine_for(committed_db)) as session:
        assert session.get(Product, stale.id).recent_sales == 0
