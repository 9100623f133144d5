"""Where SQL compares or selects what a pure commission rule decides, the two agree on real PostgreSQL.

- The payable date: processing stores policy.payable_at, and the release job's `payable_at <= :now` releases
  exactly the lines whose date has come (settlement's cut-off compares the same column the same way).
- The rate in force: suppliers.rates.rate_changes loads, in one statement, only the changes that can be in
  force between two times; rules.rate_in_force over them picks what it picks over the whole history.
"""

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from distro.commission import event_store, release
from distro.commission import services as commission
from distro.commission.models import CommissionLine
from distro.commission.policy import CommissionPolicy, payable_at
from distro.suppliers import rates
from distro.suppliers.models import CommissionRate
from distro.suppliers.rules import RateChange, rate_in_force
from tests.factories import commission_rules, make_product, make_shop, make_supplier, paid

PAID_AT = dt.datetime(2026, 10, 1, 2, tzinfo=dt.UTC)
ENDINGS = ("kept", "undelivered", "cancelled", "refunded in full", "refunded in part")
zones = st.integers(-12, 14).map(lambda hours: dt.timezone(dt.timedelta(hours=hours)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    delivered_after=st.integers(60, 20 * 86_400),
    zone=zones,
    ending=st.sampled_from(ENDINGS),
    # Seconds from delivery to the release job's run: around either hold's end, and exactly at it.
    released_after=st.one_of(
        st.integers(-86_400, 17 * 86_400),
        st.sampled_from([7 * 86_400, 15 * 86_400, 7 * 86_400 - 1, 15 * 86_400 - 1]),
    ),
)
def test_the_release_job_releases_exactly_the_lines_whose_payable_at_has_come(
    app, connection, delivered_after, zone, ending, released_after
):
    savepoint = connection.begin_nested()
    try:
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as work:
            supplier_user, _ = make_supplier(work, app)
            food = make_product(work, app, supplier_user, category="food_health", commission_rate_bp=2_000)
            shirt = make_product(work, app, supplier_user, category="apparel_sports", commission_rate_bp=2_000)
            shop = make_shop(work, app, carrying=[food, shirt])
            delivered_at = (PAID_AT + dt.timedelta(seconds=delivered_after)).astimezone(zone)
            lines = [("1", food.id, 10_000), ("2", shirt.id, 10_000)]
            events = [("order.paid", paid("H1", shop.slug, lines, paid_at=PAID_AT.isoformat()))]
            if ending != "undelivered":
                events.append(("order.delivered", {"order_id": "H1", "delivered_at": delivered_at.isoformat()}))
            if ending == "cancelled":
                events.append(("order.cancelled", {"order_id": "H1", "cancelled_at": delivered_at.isoformat()}))
            if ending.startswith("refunded"):
                amount = 10_000 if ending == "refunded in full" else 4_000
                refund = {"order_id": "H1", "refund_id": "r1", "refunded_at": delivered_at.isoformat()}
                events.append(("order.refunded", {**refund, "lines": [{"line_id": "1", "amount_fen": amount}]}))
            for number, (event_type, data) in enumerate(events):
                event_store.store_event(
                    session=work, event_id=f"H1-{number}", event_type=event_type, order_ref="H1", data=data
                )
            commission.process_order(session=work, order_ref="H1", rules=commission_rules(app, work))
            now = delivered_at + dt.timedelta(seconds=released_after)
            released = release.release_due_commission(session=work, now=now)

            policy = CommissionPolicy.from_settings(app.config)
            lines = work.scalars(sa.select(CommissionLine).order_by(CommissionLine.product_id)).all()
            expected = {
                food.id: payable_at(
                    delivered_at if ending != "undelivered" else None,
                    policy.hold_days_for("food_health"),
                    withdrawn=ending in ("cancelled", "refunded in full"),
                ),
                shirt.id: payable_at(
                    delivered_at if ending != "undelivered" else None,
                    policy.hold_days_for("apparel_sports"),
                    withdrawn=ending == "cancelled",
                ),
            }
            assert {line.product_id: line.payable_at for line in lines} == expected
            due = {product for product, date in expected.items() if date is not None and date <= now}
            assert {line.product_id for line in lines if line.stage == "available"} == due
            assert released == len(due)
    finally:
        savepoint.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(st.tuples(st.integers(0, 40), st.integers(500, 5_000)), max_size=8),
    window=st.tuples(st.integers(-5, 45), st.integers(0, 20)),
)
def test_the_rate_changes_loaded_for_a_window_give_every_order_in_it_the_rate_the_whole_history_gives(
    app, connection, changes, window
):
    savepoint = connection.begin_nested()
    try:
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as work:
            supplier_user, _ = make_supplier(work, app)
            product = make_product(work, app, supplier_user)
            start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
            work.add_all(
                CommissionRate(
                    product_id=product.id,
                    rate_bp=rate_bp,
                    effective_from=start + dt.timedelta(days=day),
                    set_by=supplier_user.id,
                )
                for day, rate_bp in changes
            )
            work.commit()
            history = [
                RateChange(row.effective_from, row.id, row.rate_bp)  # type: ignore[arg-type]
                for row in work.scalars(sa.select(CommissionRate).where(CommissionRate.product_id == product.id))
            ]
            since = start + dt.timedelta(days=window[0], hours=12)
            until = since + dt.timedelta(days=window[1])
            loaded = rates.rate_changes(work, [product.id], since, until).get(product.id, [])
            for day in range(window[1] + 1):
                for at in (since + dt.timedelta(days=day), start + dt.timedelta(days=window[0] + day)):
                    if since <= at <= until:
                        assert rate_in_force(loaded, at) == rate_in_force(history, at), at
    finally:
        savepoint.rollback()
