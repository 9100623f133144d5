"""Property: whatever the sequence of accruals, refunds, settlements, payments and failures, every fen
owed to owners is somewhere (paid out, pending, available or in clearing) and the ledger balances; and every
batch's reconciliation stays as it was computed and ties out, to itself and to the ledger."""

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission import event_store, release
from distro.commission import services as commission
from distro.commission.models import CommissionLine
from distro.ledger import services as ledger
from distro.settlement import computing, queries, services
from distro.settlement.models import PayeeAccount, Payout, SettlementBatch
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

actions = st.lists(
    st.one_of(
        st.tuples(st.just("accrue"), st.integers(0, 1), st.integers(1, 50_000)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 50_000)),
        st.tuples(st.just("settle"), st.just(0), st.just(0)),
        st.tuples(st.just("pay"), st.booleans(), st.just(0)),
    ),
    min_size=1,
    max_size=10,
)


def invariant_holds(work, shop_ids):
    owed = int(work.scalar(sa.select(sa.func.coalesce(sa.func.sum(CommissionLine.owner_fen), 0))))
    codes = [f"shop:{shop_id}:{bucket}" for shop_id in shop_ids for bucket in ("pending", "available")]
    balances = ledger.balances(work, [*codes, "payouts:clearing", "cash"])
    paid_out = -balances["cash"]
    held = sum(balances[code] for code in codes) + balances["payouts:clearing"]
    assert paid_out + held == owed, (paid_out, held, owed)
    assert ledger.trial_balance(work)["total"] == 0
    assert ledger.unbalanced_postings(work) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_every_fen_owed_is_paid_or_held_and_the_ledger_balances(app, connection, steps):
    savepoint = connection.begin_nested()
    try:
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as work:
            supplier_user, _ = make_supplier(work, app)
            product = make_product(
                work, app, supplier_user, price_fen=50_000, other_platform_price_fen=50_000, commission_rate_bp=2_000
            )
            shops = [make_shop(work, app) for _ in range(2)]
            work.add(
                PayeeAccount(owner_id=shops[0].owner_id, kind="alipay", account_name="甲", account_number="pay-0001")
            )
            maker, checker = make_user(work, Role.FINANCE), make_user(work, Role.FINANCE)
            work.commit()
            rules = commission_rules(app)
            orders: list[tuple[str, int]] = []
            computed: dict[int, dict] = {}
            for number, (action, which, amount) in enumerate(steps):
                if action == "accrue":
                    order_id = f"P{number}"
                    for event_type, data in (
                        (
                            "order.paid",
                            paid(
                                order_id,
                                shops[which].slug,
                                [("1", product.id, amount)],
                                paid_at="2026-10-01T10:00:00+08:00",
                            ),
                        ),
                        ("order.delivered", {"order_id": order_id, "delivered_at": "2026-10-02T10:00:00+08:00"}),
                    ):
                        event_store.store_event(
                            session=work,
                            event_id=f"{order_id}-{event_type}",
                            event_type=event_type,
                            order_ref=order_id,
                            data=data,
                        )
                    commission.process_order(session=work, order_ref=order_id, rules=rules)
                    release.release_due_commission(session=work, now=LATER)
                    orders.append((order_id, amount))
                elif action == "refund" and orders:
                    order_id, paid_fen = orders[which % len(orders)]
                    event_store.store_event(
                        session=work,
                        event_id=f"{order_id}-refund-{number}",
                        event_type="order.refunded",
                        order_ref=order_id,
                        data={
                            "order_id": order_id,
                            "refund_id": f"r{number}",
                            "refunded_at": "2026-12-01T10:00:00+08:00",
                            "lines": [{"line_id": "1", "amount_fen": min(amount, paid_fen)}],
                        },
                    )
                    # Refunds beyond what was paid are quarantined: that is part of the property too.
                    commission.process_order(session=work, order_ref=order_id, rules=rules)
                elif action == "settle":
                    batch = services.create_batch(session=work, cutoff_at=None, created_by=maker.id)
                    computing.compute_batch(session=work, batch_id=batch.id, minimum_fen=100)
                    services.approve(session=work, batch_id=batch.id, approver=checker.id)
                    computed[batch.id] = dict(work.get_one(SettlementBatch, batch.id).reconciliation or {})
                elif action == "pay":
                    open_payouts = work.execute(
                        sa.select(Payout.batch_id, Payout.id).where(Payout.status == "pending")
                    ).all()
                    for batch_id, payout_id in open_payouts:
                        services.record_results(
                            session=work,
                            batch_id=batch_id,
                            actor=checker.id,
                            results=[
                                services.PayoutResult(payout_id, "paid" if which else "failed", "ref", "bank said no")
                            ],
                        )
                invariant_holds(work, [shop.id for shop in shops])
                for batch_id, snapshot in computed.items():
                    report = queries.reconciliation(work, batch_id)
                    assert (report["computed"], report["ties_out"]) == (snapshot, True), report
    finally:
        savepoint.rollback()
