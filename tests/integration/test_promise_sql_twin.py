"""The promise job's SQL and the pure rules agree: for any promises (changed over time) and orders (shipped, delivered
or cancelled at any time, or not), the breaches the job records are exactly those rules.deadline, rules.is_breached
and rules.compensation_fen give, with the same deadlines, facts and amounts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distro.commission.models import Order, OrderLine
from distro.promises.enforcement import enforce_promises
from distro.promises.models import PromiseBreach, SupplierPromise
from distro.promises.rules import (
    BreachKind,
    Compensation,
    CompensationKind,
    PromiseTerms,
    compensation_fen,
    deadline,
    is_breached,
)
from tests.factories import make_product, make_supplier

BASE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
NOW = BASE + dt.timedelta(hours=400)

compensations = st.one_of(
    st.builds(Compensation, st.just(CompensationKind.FIXED), st.integers(100, 50_000)),
    st.builds(Compensation, st.just(CompensationKind.PERCENT), st.integers(100, 10_000)),
)


@st.composite
def promise_versions(draw):
    """(effective hour, terms) for one to three changes of a supplier's promise."""
    versions = []
    for _ in range(draw(st.integers(1, 3))):
        ship = draw(st.sampled_from([None, 24, 48, 72]))
        deliver = draw(st.sampled_from([None, 3, 5, 7]))
        terms = PromiseTerms(
            ship_within_hours=ship,
            ship_compensation=None if ship is None else draw(compensations),
            deliver_within_days=deliver,
            deliver_compensation=None if deliver is None else draw(compensations),
        )
        versions.append((draw(st.integers(0, 200)), terms))
    return versions


maybe_minutes = st.one_of(st.none(), st.integers(0, 12_000))
orders = st.lists(
    st.tuples(st.integers(0, 18_000), maybe_minutes, maybe_minutes, maybe_minutes, st.integers(0, 50_000)),
    min_size=1,
    max_size=8,
)


def _in_force(versions: list[tuple[dt.datetime, PromiseTerms]], paid_at: dt.datetime) -> PromiseTerms | None:
    # The newest change effective by the payment; of two at the same instant, the later one (the job's id order).
    effective = [(at, index, terms) for index, (at, terms) in enumerate(versions) if at <= paid_at]
    return max(effective, key=lambda found: found[:2])[2] if effective else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(versions=promise_versions(), placed=orders)
def test_the_jobs_sql_and_the_pure_rules_agree_on_lateness_and_amount(session, app, versions, placed):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    dated = [(BASE + dt.timedelta(hours=hour), terms) for hour, terms in versions]
    for at, terms in dated:
        ship, deliver = terms.ship_compensation, terms.deliver_compensation
        session.add(
            SupplierPromise(
                supplier_id=supplier.id,
                ship_within_hours=terms.ship_within_hours,
                ship_compensation_kind=None if ship is None else ship.kind.value,
                ship_compensation_value=None if ship is None else ship.value,
                deliver_within_days=terms.deliver_within_days,
                deliver_compensation_kind=None if deliver is None else deliver.kind.value,
                deliver_compensation_value=None if deliver is None else deliver.value,
                set_by=user.id,
                effective_from=at,
            )
        )
        session.flush()  # ids in the order of the changes
    expected = set()
    for number, (paid_minute, shipped, delivered, cancelled, paid_fen) in enumerate(placed):
        paid_at = BASE + dt.timedelta(minutes=paid_minute)
        facts = {
            name: None if minutes is None else paid_at + dt.timedelta(minutes=minutes)
            for name, minutes in (("shipped_at", shipped), ("delivered_at", delivered), ("cancelled_at", cancelled))
        }
        row = Order(external_id=f"TWIN-{supplier.id}-{number}", paid_at=paid_at, **facts)
        session.add(row)
        session.flush()
        session.add(
            OrderLine(
                order_id=row.id,
                line_ref="1",
                product_id=product.id,
                supplier_id=supplier.id,
                quantity=1,
                paid_fen=paid_fen,
            )
        )
        terms = _in_force(dated, paid_at)
        if terms is None or paid_at > NOW:
            continue
        for kind, done_at, compensation in (
            (BreachKind.SHIP, facts["shipped_at"], terms.ship_compensation),
            (BreachKind.DELIVER, facts["delivered_at"], terms.deliver_compensation),
        ):
            due_at = deadline(paid_at, kind, terms)
            if (
                due_at is not None
                and compensation is not None
                and is_breached(due_at, done_at, facts["cancelled_at"], NOW)
            ):
                expected.add((row.id, kind.value, due_at, done_at, compensation_fen(compensation, paid_fen)))
    session.commit()

    enforce_promises(session, now=NOW, lookback_days=30)

    recorded = session.execute(
        sa.select(
            PromiseBreach.order_id,
            PromiseBreach.kind,
            PromiseBreach.due_at,
            PromiseBreach.done_at,
            PromiseBreach.compensation_fen,
        ).where(PromiseBreach.supplier_id == supplier.id)
    ).all()
    assert {tuple(row) for row in recorded} == expected
