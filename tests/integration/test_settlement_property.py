"""Property: whatever the sequence of accruals, refunds, settlements (cut off now or earlier), payments,
failures and frozen payouts, every fen owed to owners is somewhere (paid out, pending, available or in clearing)
and the ledger balances; every batch's reconciliation stays as it was computed and ties out, to itself and to
the ledger; and each computation (one SQL statement) claims, pays, holds and reports exactly what
settlement/netting.py says of the books it read."""

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
from distro.ledger.models import Posting
from distro.settlement import batches, computing, netting, queries
from distro.settlement.models import PayeeAccount, Payout, SettlementBatch, SettlementClaim
from distro.settlement.payout_results import PayoutResult, record_results
from distro.settlement.reconciliation import figures_from, total
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
# A batch cuts off now (every line due) or on 14 October, when some lines are due and some not: each
# accrual is delivered at 10:00 (Shanghai) on a day from 2 to 11 October and is payable 7 days after, so
# those delivered on 7 October become payable at the very instant of that cut-off.
CUTOFFS = (None, dt.datetime(2026, 10, 14, 2, tzinfo=dt.UTC))
MINIMUM = 100

actions = st.lists(
    st.one_of(
        st.tuples(st.just("accrue"), st.integers(0, 1), st.integers(1, 50_000)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 50_000)),
        st.tuples(st.just("settle"), st.integers(0, 1), st.just(0)),
        st.tuples(st.just("pay"), st.booleans(), st.just(0)),
        st.tuples(st.just("freeze"), st.integers(0, 1), st.just(0)),
    ),
    min_size=1,
    max_size=10,
)


def invariant_holds(work, shop_ids):
    owed = int(work.scalar(sa.select(sa.func.coalesce(sa.func.sum(CommissionLine.owner_fen), 0))))
    codes = [f"shop:{shop_id}:{bucket}" for shop_id in shop_ids for bucket in ("pending", "available")]
    balances = ledger.balances(work, [*codes, "payouts:clearing", "cash"])
    accounts = work.execute(ledger.accounts_with_balances_query(work, prefix="supplier:")).all()
    deposits_in = sum(row.balance for row in accounts if row.code.endswith(":deposit"))  # cash the suppliers paid in
    paid_out = deposits_in - balances["cash"]
    held = sum(balances[code] for code in codes) + balances["payouts:clearing"]
    assert paid_out + held == owed, (paid_out, held, owed)
    assert ledger.trial_balance(work)["total"] == 0
    assert ledger.unbalanced_postings(work) == []


def books_of(work, shops, since):
    """What a computation reads of each shop, read plainly: its available balance and open lines (available,
    unclaimed), the clawbacks and failed payouts posted to it after the ledger mark `since`, whether its payouts
    are frozen, and whether its owner has a payee account."""
    lines = work.execute(
        sa.select(CommissionLine.shop_id, CommissionLine.id, CommissionLine.owner_fen, CommissionLine.payable_at)
        .where(CommissionLine.stage == "available", CommissionLine.id.not_in(sa.select(SettlementClaim.line_id)))
        .order_by(CommissionLine.id)
    ).all()
    moved = {(kind, shop.id): 0 for kind in ("clawback", "payout_failed") for shop in shops}
    since_then = work.scalars(
        sa.select(Posting).where(Posting.id > since, Posting.kind.in_(("clawback", "payout_failed")))
    )
    for posting in since_then:
        for entry in ledger.posting_lines(work, posting.id):
            for shop in shops:
                if entry.account == f"shop:{shop.id}:available":
                    moved[posting.kind, shop.id] += entry.amount
    balances = ledger.balances(work, [f"shop:{shop.id}:available" for shop in shops])
    payees = set(work.scalars(sa.select(PayeeAccount.owner_id).where(PayeeAccount.is_default)))
    return [
        netting.ShopBooks(
            shop_id=shop.id,
            balance=balances[f"shop:{shop.id}:available"],
            open_lines=tuple(
                netting.OpenLine(line_id, fen, at) for shop_id, line_id, fen, at in lines if shop_id == shop.id
            ),
            clawed_back=moved["clawback", shop.id],
            returned=-moved["payout_failed", shop.id],
            frozen=shop.payouts_frozen,
            has_payee=shop.owner_id in payees,
        )
        for shop in shops
    ]


def what_the_batch_did(work, batch_id):
    """The lines a computed batch claimed (by shop), its payouts (shop → amount, status) and its figures."""
    claims = work.execute(
        sa.select(CommissionLine.shop_id, SettlementClaim.line_id)
        .join(CommissionLine, CommissionLine.id == SettlementClaim.line_id)
        .where(SettlementClaim.batch_id == batch_id)
    ).all()
    payouts = work.execute(
        sa.select(Payout.shop_id, Payout.amount_fen, Payout.status).where(Payout.batch_id == batch_id)
    ).all()
    return (
        sorted(claims),
        {shop_id: (amount, status) for shop_id, amount, status in payouts},
        figures_from(work.get_one(SettlementBatch, batch_id).reconciliation),
    )


def as_the_rule_says(netted):
    """The same, from what netting.py says of each shop."""
    return (
        sorted((shop.shop_id, line_id) for shop in netted for line_id in shop.claimed_line_ids),
        {shop.shop_id: (shop.figures.payouts, shop.payout_status) for shop in netted if shop.payout_status},
        total(shop.figures for shop in netted),
    )


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
            shops = [make_shop(work, app, carrying=[product]) for _ in range(2)]
            work.add(
                PayeeAccount(owner_id=shops[0].owner_id, kind="alipay", account_name="甲", account_number="13800000001")
            )
            maker, checker = make_user(work, Role.FINANCE), make_user(work, Role.FINANCE)
            work.commit()
            rules = commission_rules(app, work)
            orders: list[tuple[str, int]] = []
            computed: dict[int, dict] = {}
            since = 0  # the ledger mark of the last computation
            # Every sequence ends with a batch cut off now, so each example settles what it accrued.
            for number, (action, which, amount) in enumerate([*steps, ("settle", 0, 0)]):
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
                        (
                            "order.delivered",
                            {"order_id": order_id, "delivered_at": f"2026-10-{2 + number % 10:02d}T10:00:00+08:00"},
                        ),
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
                    batch = batches.create_batch(session=work, cutoff_at=CUTOFFS[which], created_by=maker.id)
                    books = books_of(work, shops, since)
                    computing.compute_batch(session=work, batch_id=batch.id, minimum_fen=MINIMUM)
                    netted = netting.net_shops(books, cutoff=batch.cutoff_at, minimum=MINIMUM)
                    assert what_the_batch_did(work, batch.id) == as_the_rule_says(netted)
                    batches.approve(session=work, batch_id=batch.id, approver=checker.id)
                    computed[batch.id] = dict(work.get_one(SettlementBatch, batch.id).reconciliation or {})
                    since = work.get_one(SettlementBatch, batch.id).ledger_mark
                elif action == "pay":
                    open_payouts = work.execute(
                        sa.select(Payout.batch_id, Payout.id).where(Payout.status == "pending")
                    ).all()
                    for batch_id, payout_id in open_payouts:
                        record_results(
                            session=work,
                            batch_id=batch_id,
                            actor=checker.id,
                            results=[PayoutResult(payout_id, "paid" if which else "failed", "ref", "bank said no")],
                        )
                elif action == "freeze":
                    shops[which].payouts_frozen = not shops[which].payouts_frozen
                    work.commit()
                invariant_holds(work, [shop.id for shop in shops])
                for batch_id, snapshot in computed.items():
                    report = queries.reconciliation(work, batch_id)
                    assert (report["computed"], report["ties_out"]) == (snapshot, True), report
    finally:
        savepoint.rollback()
