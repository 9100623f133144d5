"""Supplier quality: the daily measures and the monthly review (三振出局), set-based, carried out through the
suspension service, overruled by an admin; and the jobs' SQL held to the pure rules on random small data."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.broadcasts.channels import clear_demo_outbox, demo_outbox
from distro.clock import utcnow
from distro.commission.models import Order, OrderLine
from distro.db import engine_for
from distro.quality import jobs, metrics, services
from distro.quality.models import SupplierMetric, SupplierReview
from distro.quality.rules import OrderFacts, Thresholds, measure, month_shift, review
from distro.queue import enqueue_once, get_queue
from distro.suppliers.models import Product, Supplier
from distro.tiers.rules import month_bounds
from tests.factories import make_product, make_supplier, make_user
from tests.integration.workers import BurstWorker

_numbers = iter(range(1, 10**9))
OCT = dt.date(2026, 10, 1)
# The 2nd of each month at noon, Shanghai: every order of the month before is past its 48-hour deadline.
NOV_3 = dt.datetime(2026, 11, 3, 4, tzinfo=dt.UTC)


def sell(session, product, paid_at, *, ship_hours=10.0, refunded=False, cancelled=False, delivered_hours=None):
    """One order of one line of product, as the order events leave it."""
    order = Order(
        external_id=f"q-{next(_numbers)}",
        status="paid",
        total_paid_fen=1000,
        total_refunded_fen=1000 if refunded else 0,
        paid_at=paid_at,
        shipped_at=None if ship_hours is None else paid_at + dt.timedelta(hours=ship_hours),
        delivered_at=None if delivered_hours is None else paid_at + dt.timedelta(hours=delivered_hours),
        cancelled_at=paid_at + dt.timedelta(hours=1) if cancelled else None,
    )
    session.add(order)
    session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            line_ref="l1",
            product_id=product.id,
            supplier_id=product.supplier_id,
            quantity=1,
            paid_fen=1000,
            refunded_fen=1000 if refunded else 0,
        )
    )
    session.flush()


def month_of_orders(session, product, month: dt.date, *, orders=40, refunded=0, late=0):
    """orders paid in month (Shanghai), refunded of them refunded, late of them shipped after 48 hours."""
    start = dt.datetime.combine(month, dt.time(12), dt.UTC)
    for number in range(orders):
        sell(
            session,
            product,
            start + dt.timedelta(hours=number),
            refunded=number < refunded,
            ship_hours=60 if number >= orders - late else 10,
        )


def with_phone(session, user, masked="138****0001"):
    user.phone_reference, user.phone_masked, user.phone_verified_at = f"ref-{user.id}", masked, utcnow()
    session.add(user)
    session.flush()
    return user


def run(session, app, month=OCT, now=NOV_3):
    return services.review_month(session=session, period=month, settings=app.config, now=now)


def review_of(session, supplier, month=OCT) -> SupplierReview:
    return session.execute(
        sa.select(SupplierReview).where(SupplierReview.supplier_id == supplier.id, SupplierReview.period == month)
    ).scalar_one()


def test_a_supplier_with_a_high_refund_rate_gets_a_warning_with_its_numbers(app, session):
    clear_demo_outbox()
    user, supplier = make_supplier(session, app)
    with_phone(session, user)
    product = make_product(session, app, user)
    month_of_orders(session, product, OCT, orders=40, refunded=8)

    assert run(session, app) == {"reviewed": 1, "carried_out": 1}

    found = review_of(session, supplier)
    assert (found.outcome, found.strike, found.failed) == ("warning", 1, ["refund"])
    assert (found.orders, found.refunded, found.refund_bp, found.on_time_bp, found.cancel_bp) == (40, 8, 2000, 10000, 0)
    assert found.thresholds["max_refund_bp"] == 1000 and found.applied_at is not None
    entry = session.execute(
        sa.select(AuditEntry).where(
            AuditEntry.action == "supplier_review.warning", AuditEntry.subject_id == supplier.id
        )
    ).scalar_one()
    assert entry.after["refund_bp"] == 2000 and entry.actor_id is None
    assert [(sent.channel, sent.owner_id, sent.broadcast_id) for sent in demo_outbox()] == [("sms", user.id, found.id)]
    assert session.get(Supplier, supplier.id).status == "approved"


def test_a_supplier_within_the_thresholds_passes_and_one_with_few_orders_is_not_judged(app, session):
    good_user, good = make_supplier(session, app)
    small_user, small = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, good_user), OCT, orders=40, refunded=2, late=2)
    month_of_orders(session, make_product(session, app, small_user), OCT, orders=5, refunded=5)

    run(session, app)

    assert (review_of(session, good).outcome, review_of(session, good).on_time_bp) == ("passed", 9500)
    assert (review_of(session, small).outcome, review_of(session, small).failed) == ("too_few", [])


def test_the_third_strike_suspends_the_supplier_and_its_products_leave_the_pool(app, session):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    months = [dt.date(2026, 8, 1), dt.date(2026, 9, 1), OCT]
    for month in months:
        month_of_orders(session, product, month, orders=40, late=10)

    outcomes = []
    for month in months:
        run(
            session, app, month, now=dt.datetime.combine(month.replace(month=month.month + 1, day=3), dt.time(), dt.UTC)
        )
        found = review_of(session, supplier, month)
        outcomes.append((found.outcome, found.strike, found.on_time_bp))

    assert outcomes == [("warning", 1, 7500), ("warning", 2, 7500), ("suspended", 3, 7500)]
    session.refresh(supplier)
    assert supplier.status == "suspended" and "三振出局" in supplier.status_reason
    session.refresh(product)  # the suspension's UPDATE of the products is set-based: this session's copy is stale
    assert product.supplier_active is False and product.in_pool is False


def test_an_admin_overrules_the_suspending_review_and_the_supplier_is_back_with_one_strike_fewer(app, session):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    admin = make_user(session, Role.ADMIN)
    thresholds = Thresholds.from_settings(app.config)
    for month in (dt.date(2026, 8, 1), dt.date(2026, 9, 1), OCT):
        month_of_orders(session, product, month, orders=40, refunded=10)
        run(
            session, app, month, now=dt.datetime.combine(month.replace(month=month.month + 1, day=3), dt.time(), dt.UTC)
        )
    assert services.standing_strikes(session, supplier.id, OCT, thresholds) == 3

    overruled = services.overrule(
        session=session,
        review_id=review_of(session, supplier).id,
        admin_id=admin.id,
        reason="退款系物流商丢件",
        settings=app.config,
    )

    assert overruled.overruled_by == admin.id and overruled.overrule_reason == "退款系物流商丢件"
    session.refresh(supplier)
    assert supplier.status == "approved"
    assert session.get(Product, product.id).supplier_active is True
    assert services.standing_strikes(session, supplier.id, OCT, thresholds) == 2
    assert session.execute(
        sa.select(AuditEntry.action)
        .where(AuditEntry.subject_id == supplier.id, AuditEntry.actor_id == admin.id)
        .order_by(AuditEntry.id)
    ).scalars().all() == ["supplier_review.overruled", "supplier.reinstate"]
    again = services.overrule(
        session=session, review_id=overruled.id, admin_id=admin.id, reason="另一个理由", settings=app.config
    )
    assert again.overrule_reason == "退款系物流商丢件"


def test_rerunning_the_months_review_changes_nothing(app, session):
    user, supplier = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, user), OCT, orders=40, refunded=8)
    run(session, app)
    first = review_of(session, supplier)
    before = (first.id, first.outcome, first.strike, first.applied_at)
    audits = session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.subject_id == supplier.id)
    )

    assert run(session, app, now=NOV_3 + dt.timedelta(days=3)) == {"reviewed": 0, "carried_out": 0}

    session.expire_all()
    again = review_of(session, supplier)
    assert (again.id, again.outcome, again.strike, again.applied_at) == before
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.subject_id == supplier.id))
        == audits
    )


def test_a_run_that_died_before_carrying_out_a_strike_is_finished_by_the_next(app, session):
    user, supplier = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, user), OCT, orders=40, refunded=8)
    run(session, app)
    found = review_of(session, supplier)
    found.applied_at = None  # as a run killed after the reviews were written
    session.add(found)
    session.commit()

    assert run(session, app) == {"reviewed": 0, "carried_out": 1}


def test_the_daily_measures_keep_30_and_90_days_of_each_supplier(app, session):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    now = utcnow()
    sell(session, product, now - dt.timedelta(days=10), ship_hours=20, delivered_hours=50)
    sell(session, product, now - dt.timedelta(days=60), ship_hours=70, refunded=True)
    sell(session, product, now - dt.timedelta(days=20), cancelled=True, ship_hours=None)

    metrics.refresh_metrics(session=session, ship_within_hours=48, now=now)

    rows = services.supplier_metrics(session, supplier.id)
    thirty, ninety = rows[30][1], rows[90][1]
    assert (thirty.orders, thirty.on_time_bp, thirty.cancel_bp, thirty.refund_bp) == (2, 10000, 5000, 0)
    assert (ninety.orders, ninety.on_time_bp, ninety.refund_bp) == (3, 5000, 3333)
    assert (thirty.ship_avg_seconds, thirty.delivery_p90_seconds) == (20 * 3600, 50 * 3600)


def test_an_order_is_judged_on_time_by_the_shipping_promise_in_force_when_it_was_paid(app, session):
    from distro.promises.models import SupplierPromise

    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    now = utcnow()
    changed = now - dt.timedelta(days=15)
    session.add(
        SupplierPromise(
            supplier_id=supplier.id,
            ship_within_hours=24,
            ship_compensation_kind="fixed",
            ship_compensation_value=500,
            effective_from=changed,
            set_by=user.id,
        )
    )
    session.flush()
    sell(session, product, now - dt.timedelta(days=20), ship_hours=30)  # before the promise: 48 hours, on time
    sell(session, product, now - dt.timedelta(days=10), ship_hours=30)  # under the 24-hour promise: late
    sell(session, product, now - dt.timedelta(days=5), ship_hours=20)  # under it: on time

    metrics.refresh_metrics(session=session, ship_within_hours=48, now=now)

    thirty = services.supplier_metrics(session, supplier.id)[30][1]
    assert (thirty.orders, thirty.due, thirty.on_time) == (3, 3, 2)
    assert (
        measure(
            [
                OrderFacts(now - dt.timedelta(days=20), now - dt.timedelta(days=20, hours=-30), None, None, False),
                OrderFacts(
                    now - dt.timedelta(days=10), now - dt.timedelta(days=10, hours=-30), None, None, False, None, 24
                ),
                OrderFacts(
                    now - dt.timedelta(days=5), now - dt.timedelta(days=5, hours=-20), None, None, False, None, 24
                ),
            ],
            as_of=now,
            ship_within_hours=48,
        ).on_time
        == 2
    )


def _random_orders(session, draw, products, start, end):
    facts: dict[int, list[OrderFacts]] = {product.supplier_id: [] for product in products}
    span = int((end - start).total_seconds())
    for _ in range(700):
        index = draw.randrange(len(products))
        product, careful = products[index], index % 2 == 0  # careful suppliers ship fast and are seldom refunded
        paid = start + dt.timedelta(seconds=draw.randrange(span))
        shipped = draw.uniform(0, 50) if careful and draw.random() < 0.95 else draw.choice([None, draw.uniform(0, 96)])
        delivered = None if shipped is None else draw.choice([None, shipped + draw.uniform(0, 200)])
        cancelled = shipped is None and draw.random() < 0.3
        refunded = draw.random() < (0.05 if careful else 0.2)
        sell(
            session,
            product,
            paid,
            ship_hours=shipped,
            delivered_hours=delivered,
            cancelled=cancelled,
            refunded=refunded,
        )
        order = session.execute(sa.select(Order).order_by(Order.id.desc()).limit(1)).scalar_one()
        facts[product.supplier_id].append(
            OrderFacts(order.paid_at, order.shipped_at, order.delivered_at, order.cancelled_at, refunded)
        )
    return facts


def test_the_jobs_sql_agrees_with_the_pure_rules_on_random_small_data(app, session):
    draw = random.Random(19)
    suppliers = [make_supplier(session, app) for _ in range(6)]
    products = [make_product(session, app, user) for user, _ in suppliers]
    now = utcnow()
    facts = _random_orders(session, draw, products, now - dt.timedelta(days=95), now + dt.timedelta(hours=1))

    metrics.refresh_metrics(session=session, ship_within_hours=48, now=now)
    for _, supplier in suppliers:
        got = services.supplier_metrics(session, supplier.id)
        for days in (30, 90):
            since = now - dt.timedelta(days=days)
            want = measure(
                [fact for fact in facts[supplier.id] if since <= fact.paid_at < now], as_of=now, ship_within_hours=48
            )
            assert got[days][1] == want, (supplier.id, days)

    thresholds = Thresholds(min_orders=20, min_on_time_bp=6000, max_refund_bp=1500, max_cancel_bp=1500)
    config = {
        **app.config,
        "SUPPLIER_REVIEW_MIN_ORDERS": 20,
        "SUPPLIER_REVIEW_MIN_ON_TIME_BP": 6000,
        "SUPPLIER_REVIEW_MAX_REFUND_BP": 1500,
        "SUPPLIER_REVIEW_MAX_CANCEL_BP": 1500,
    }
    previous = month_shift(dt.date(now.year, now.month, 1), -1)
    prior = {}
    for index, (_, supplier) in enumerate(suppliers):  # strikes before: standing, overruled, expired
        strikes = [(1, index % 3 != 2, False), (2, index < 4, index == 3), (6, True, False)]
        for back, strike, overruled in strikes:
            session.add(past_review(supplier, month_shift(previous, -back), strike, overruled, now))
        prior[supplier.id] = sum(strike and not overruled for back, strike, overruled in strikes if back < 6)
    session.flush()
    since, until = month_bounds(previous)

    services.review_month(session=session, period=previous, settings=config, now=now)

    for _, supplier in suppliers:
        measured = measure(
            [fact for fact in facts[supplier.id] if since <= fact.paid_at < until], as_of=now, ship_within_hours=48
        )
        want = review(
            orders=measured.orders,
            on_time_bp=measured.on_time_bp,
            refund_bp=measured.refund_bp,
            cancel_bp=measured.cancel_bp,
            prior_strikes=prior[supplier.id],
            thresholds=thresholds,
        )
        got = review_of(session, supplier, previous)
        assert (got.outcome, got.strike, tuple(got.failed), got.prior_strikes) == (
            want.outcome.value,
            want.strike,
            tuple(measure.value for measure in want.failed),
            prior[supplier.id],
        ), supplier.id
        assert (got.orders, got.on_time_bp, got.refund_bp, got.cancel_bp) == (
            measured.orders,
            measured.on_time_bp,
            measured.refund_bp,
            measured.cancel_bp,
        )


def past_review(supplier, month, strike, overruled, now) -> SupplierReview:
    """A review of an earlier month: a strike (maybe overruled since) or a pass."""
    return SupplierReview(
        supplier_id=supplier.id,
        period=month,
        as_of=now,
        orders=0,
        due=0,
        on_time=0,
        cancelled=0,
        refunded=0,
        thresholds={},
        prior_strikes=0,
        strike=1 if strike else 0,
        outcome="warning" if strike else "passed",
        applied_at=now,
        overruled_at=now if overruled else None,
    )


def test_the_jobs_run_on_a_worker_from_their_json_arguments_and_a_month_is_one_job(app, committed_db, redis):
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        user, supplier = make_supplier(session, app)
        month_of_orders(session, make_product(session, app, user), OCT, orders=40, refunded=8)
        session.commit()
    queue = get_queue("periodic", redis)
    enqueue_once(queue, jobs.refresh_supplier_metrics, job_id="metrics-test")
    for _ in range(2):  # asked twice, queued once
        enqueue_once(queue, jobs.review_suppliers, "2026-10-01", job_id=jobs.supplier_review_job_id("2026-10-01"))
    assert queue.count == 2

    BurstWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)

    with Session(engine_for(committed_db)) as session:
        assert review_of(session, supplier).outcome == "warning"
        assert session.get(SupplierMetric, (supplier.id, 90)).refunded == 8
