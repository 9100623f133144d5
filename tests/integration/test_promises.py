"""Promises enforced: the job judges each order by the promise in force when it was paid, records one breach per
order, supplier and deadline, and posts its compensation from the supplier's deposit to what buyers are owed;
storefront buyers are refunded, outside shops' buyers are paid by finance; the ledger stays balanced."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from distro.clock import utcnow
from distro.commission.models import Order, OrderLine
from distro.ledger.chart import BUYER_COMPENSATION, supplier_deposit_account
from distro.ledger.services import balance
from distro.promises import enforcement, payouts, services
from distro.promises.enforcement import COMPENSATION_KIND, enforce_promises
from distro.promises.models import PromiseBreach
from distro.promises.rules import Compensation, CompensationKind, PromiseBounds, PromiseTerms
from distro.storefront.payments import DemoPaymentProvider
from distro.suppliers.models import Product
from tests.factories import make_product, make_supplier

PAID_IN = 1_000_000
"""The deposit every supplier the factories make has paid in (SUPPLIER_MIN_DEPOSIT_FEN, ¥10,000)."""

_refs = itertools.count(1)
FIXED_10 = Compensation(CompensationKind.FIXED, 1000)
SHIP_48 = PromiseTerms(ship_within_hours=48, ship_compensation=FIXED_10)


def promise(session, user, terms: PromiseTerms = SHIP_48):
    return services.set_promises(session=session, user_id=user.id, terms=terms, bounds=PromiseBounds())


def order(session, supplier, product, *, paid_at, paid_fen=9900, ref=None, **facts) -> Order:
    """An order of one line of the supplier's product, paid at paid_at, with shipped_at/delivered_at/... facts."""
    placed = Order(
        external_id=ref or f"PROMISE-{next(_refs)}", status="paid", paid_at=paid_at, total_paid_fen=paid_fen, **facts
    )
    session.add(placed)
    session.flush()
    session.add(
        OrderLine(
            order_id=placed.id,
            line_ref="1",
            product_id=product.id,
            supplier_id=supplier.id,
            quantity=1,
            paid_fen=paid_fen,
        )
    )
    session.commit()
    return placed


def breaches(session) -> list[PromiseBreach]:
    return list(session.execute(sa.select(PromiseBreach).order_by(PromiseBreach.id)).scalars())


def compensation_postings(session) -> int:
    return session.execute(
        sa.text("SELECT count(*) FROM ledger_postings WHERE kind = :kind"), {"kind": COMPENSATION_KIND}
    ).scalar_one()


def ledger_total(session) -> int:
    return session.execute(sa.text("SELECT coalesce(sum(amount), 0) FROM ledger_entries")).scalar_one()


def supplier_with_product(session, app):
    user, supplier = make_supplier(session, app)
    return user, supplier, make_product(session, app, user)


def test_a_48_hour_promise_shipped_at_50_hours_records_one_breach_and_one_posting(session, app):
    user, supplier, product = supplier_with_product(session, app)
    promise(session, user)
    paid = utcnow() + dt.timedelta(minutes=1)
    late = order(session, supplier, product, paid_at=paid, shipped_at=paid + dt.timedelta(hours=50))
    order(session, supplier, product, paid_at=paid, shipped_at=paid + dt.timedelta(hours=47))

    assert enforce_promises(session, now=paid + dt.timedelta(hours=60), lookback_days=30) == 1

    [breach] = breaches(session)
    assert (breach.order_id, breach.kind, breach.compensation_fen) == (late.id, "ship", 1000)
    assert breach.due_at == paid + dt.timedelta(hours=48) and breach.done_at == paid + dt.timedelta(hours=50)
    assert compensation_postings(session) == 1
    assert balance(session, supplier_deposit_account(supplier.id)) == PAID_IN - 1000
    assert balance(session, BUYER_COMPENSATION) == 1000
    assert ledger_total(session) == 0


def test_the_compensation_and_its_payment_say_in_chinese_which_order_was_late(session, app):
    """The supplier reads the memo on its 保证金 page and finance in the ledger: the order's number as both know it
    (the storefront's order number, as on 发货 and 超时记录), never the internal order id or English."""
    user, supplier, product = supplier_with_product(session, app)
    promise(session, user)
    paid = utcnow() + dt.timedelta(minutes=1)
    order(session, supplier, product, paid_at=paid, shipped_at=paid + dt.timedelta(hours=50), ref="DS2ENP7WLZ9Y")

    assert enforce_promises(session, now=paid + dt.timedelta(hours=60), lookback_days=30) == 1

    [breach] = breaches(session)
    memos = dict(
        session.execute(
            sa.text("SELECT kind, memo FROM ledger_postings WHERE kind = :kind"), {"kind": COMPENSATION_KIND}
        ).all()
    )
    assert memos[COMPENSATION_KIND] == f"超时发货赔付 订单 DS2ENP7WLZ9Y（违约 #{breach.id}）"
    assert payouts._paid_postings([(breach.id, 1000)])[0].memo == f"超时赔付已付买家（违约 #{breach.id}）"


def test_a_rerun_records_nothing_twice(session, app):
    user, supplier, product = supplier_with_product(session, app)
    promise(session, user)
    paid = utcnow() + dt.timedelta(minutes=1)
    order(session, supplier, product, paid_at=paid, shipped_at=paid + dt.timedelta(hours=50))
    now = paid + dt.timedelta(hours=60)

    assert enforce_promises(session, now=now, lookback_days=30) == 1
    assert enforce_promises(session, now=now, lookback_days=30) == 0
    assert enforce_promises(session, now=now + dt.timedelta(days=3), lookback_days=30) == 0
    assert len(breaches(session)) == 1 and compensation_postings(session) == 1
    assert balance(session, BUYER_COMPENSATION) == 1000


def test_an_order_paid_before_the_promise_is_not_judged_by_it(session, app):
    user, supplier, product = supplier_with_product(session, app)
    before = utcnow() - dt.timedelta(hours=100)
    order(session, supplier, product, paid_at=before, shipped_at=before + dt.timedelta(hours=90))
    promise(session, user)

    assert enforce_promises(session, now=utcnow() + dt.timedelta(hours=1), lookback_days=30) == 0
    assert breaches(session) == []


def test_an_order_not_shipped_by_the_deadline_is_a_breach_once_it_has_passed(session, app):
    user, supplier, product = supplier_with_product(session, app)
    promise(session, user)
    paid = utcnow() + dt.timedelta(minutes=1)
    order(session, supplier, product, paid_at=paid)
    cancelled_in_time = order(session, supplier, product, paid_at=paid, cancelled_at=paid + dt.timedelta(hours=5))

    assert enforce_promises(session, now=paid + dt.timedelta(hours=47), lookback_days=30) == 0
    assert enforce_promises(session, now=paid + dt.timedelta(hours=49), lookback_days=30) == 1

    [breach] = breaches(session)
    assert breach.done_at is None and breach.order_id != cancelled_in_time.id
    assert ledger_total(session) == 0


def test_a_late_delivery_pays_the_promised_percentage_of_what_was_paid(session, app):
    user, supplier, product = supplier_with_product(session, app)
    terms = PromiseTerms(deliver_within_days=5, deliver_compensation=Compensation(CompensationKind.PERCENT, 1000))
    promise(session, user, terms)
    paid = utcnow() + dt.timedelta(minutes=1)
    order(
        session,
        supplier,
        product,
        paid_at=paid,
        paid_fen=12345,
        shipped_at=paid + dt.timedelta(hours=1),
        delivered_at=paid + dt.timedelta(days=6),
    )

    assert enforce_promises(session, now=paid + dt.timedelta(days=7), lookback_days=30) == 1
    [breach] = breaches(session)
    assert (breach.kind, breach.compensation_fen) == ("deliver", 1235)  # 1234.5 fen, half up
    assert balance(session, supplier_deposit_account(supplier.id)) == PAID_IN - 1235


def test_a_changed_promise_applies_to_orders_paid_from_then_on(session, app):
    user, supplier, product = supplier_with_product(session, app)
    promise(session, user, PromiseTerms(ship_within_hours=72, ship_compensation=FIXED_10))
    session.execute(
        sa.text("UPDATE supplier_promises SET effective_from = :at WHERE supplier_id = :id"),
        {"at": utcnow() - dt.timedelta(hours=10), "id": supplier.id},
    )
    paid = utcnow() - dt.timedelta(hours=5)
    under_72 = order(session, supplier, product, paid_at=paid, shipped_at=paid + dt.timedelta(hours=30))
    promise(session, user, PromiseTerms(ship_within_hours=24, ship_compensation=FIXED_10))
    later = utcnow() + dt.timedelta(minutes=1)
    under_24 = order(session, supplier, product, paid_at=later, shipped_at=later + dt.timedelta(hours=30))

    enforce_promises(session, now=later + dt.timedelta(hours=40), lookback_days=30)

    assert [breach.order_id for breach in breaches(session)] == [under_24.id]
    assert under_72.id != under_24.id


def test_a_storefront_buyer_is_refunded_once_and_finance_pays_an_outside_shops_buyer(session, app, client):
    from distro.auth.models import Role
    from distro.storefront.models import Checkout
    from tests.factories import PASSWORD, make_shop, make_user

    user, supplier, product = supplier_with_product(session, app)
    promise(session, user)
    shop = make_shop(session, app, carrying=[product])
    paid = utcnow() + dt.timedelta(minutes=1)
    ours = order(session, supplier, product, paid_at=paid, ref="SF-PROMISE-1", shipped_at=paid + dt.timedelta(hours=50))
    session.add(
        Checkout(
            order_ref="SF-PROMISE-1",
            access_token="promise-token-1",
            shop_id=shop.id,
            product_id=product.id,
            quantity=1,
            unit_price_fen=9900,
            total_fen=9900,
            buyer_name="王女士",
            buyer_phone="13900000000",
            address="上海市",
            buyer_reference="buyer-promise",
            status="shipped",
            provider="demo",
            paid_at=paid,
            shipped_at=paid + dt.timedelta(hours=50),
        )
    )
    session.commit()
    outside = order(session, supplier, product, paid_at=paid, shipped_at=paid + dt.timedelta(hours=49))
    enforce_promises(session, now=paid + dt.timedelta(hours=60), lookback_days=30)
    assert balance(session, BUYER_COMPENSATION) == 2000

    now = paid + dt.timedelta(hours=61)
    provider = DemoPaymentProvider()
    assert payouts.refund_storefront_compensations(session=session, provider=provider, now=now) == 1
    assert payouts.refund_storefront_compensations(session=session, provider=provider, now=now) == 0
    assert balance(session, BUYER_COMPENSATION) == 1000

    page = client.get("/orders/promise-token-1").get_data(as_text=True)
    assert "超时赔付 ¥10.00" in page and "原路退回" in page

    finance = make_user(session, Role.FINANCE)
    assert client.post("/login", data={"login": finance.email, "password": PASSWORD}).status_code == 303
    listed = client.get("/console/finance/compensation").get_data(as_text=True)
    assert "¥10.00" in listed and outside.external_id in listed and "登记已付" in listed
    [owed] = [breach for breach in breaches(session) if breach.order_id == outside.id]
    assert client.post(f"/console/finance/compensation/{owed.id}/paid").status_code == 303
    assert client.post(f"/console/finance/compensation/{owed.id}/paid").status_code == 409
    [ours_breach] = [breach for breach in breaches(session) if breach.order_id == ours.id]
    assert client.post(f"/console/finance/compensation/{ours_breach.id}/paid").status_code == 409
    session.expire_all()
    assert {breach.payout_channel for breach in breaches(session)} == {"refund", "finance"}
    assert balance(session, BUYER_COMPENSATION) == 0 and ledger_total(session) == 0


def test_one_draw_posts_one_compensation_by_its_reference(session, app):
    _, supplier, _ = supplier_with_product(session, app)
    held = balance(session, supplier_deposit_account(supplier.id))
    enforcement.post_compensations(session, [enforcement.Draw(supplier.id, 500, "promise:test:draw")])
    enforcement.post_compensations(session, [enforcement.Draw(supplier.id, 500, "promise:test:draw")])
    session.commit()
    assert balance(session, supplier_deposit_account(supplier.id)) == held - 500


def test_a_compensation_that_leaves_the_deposit_short_takes_the_goods_out_of_the_pool_until_topped_up(session, app):
    from distro.deposits import services as deposits

    user, supplier, product = supplier_with_product(session, app)
    assert session.get(Product, product.id).in_pool
    enforcement.post_compensations(session, [enforcement.Draw(supplier.id, 1_000, "promise:test:short")])
    session.commit()
    session.expire_all()
    assert not session.get(Product, product.id).in_pool
    payment = deposits.start_payment(session=session, user_id=user.id, provider="demo")
    assert payment.amount_fen == 1_000
    deposits.confirm_payment(session=session, reference=payment.reference, provider=payment.provider)
    session.expire_all()
    assert session.get(Product, product.id).in_pool


def test_an_order_of_two_suppliers_compensates_only_from_the_one_that_promised_on_its_own_lines(session, app):
    user, supplier, product = supplier_with_product(session, app)
    _, plain, plain_product = supplier_with_product(session, app)
    promise(
        session,
        user,
        PromiseTerms(ship_within_hours=24, ship_compensation=Compensation(CompensationKind.PERCENT, 5000)),
    )
    paid = utcnow() + dt.timedelta(minutes=1)
    mixed = order(session, supplier, product, paid_at=paid, paid_fen=3000, shipped_at=paid + dt.timedelta(hours=30))
    session.add(
        OrderLine(
            order_id=mixed.id, line_ref="2", product_id=product.id, supplier_id=supplier.id, quantity=1, paid_fen=1000
        )
    )
    session.add(
        OrderLine(
            order_id=mixed.id,
            line_ref="3",
            product_id=plain_product.id,
            supplier_id=plain.id,
            quantity=1,
            paid_fen=9000,
        )
    )
    session.commit()

    enforce_promises(session, now=paid + dt.timedelta(hours=40), lookback_days=30)

    [breach] = breaches(session)
    assert (breach.supplier_id, breach.paid_fen, breach.compensation_fen) == (supplier.id, 4000, 2000)
    assert balance(session, supplier_deposit_account(plain.id)) == PAID_IN


def test_a_real_worker_runs_the_promise_jobs_on_committed_orders(committed_db, redis, app):
    from sqlmodel import Session

    from distro.db import engine_for
    from distro.queue import get_queue
    from distro.storefront.models import Checkout
    from tests.factories import make_shop
    from tests.integration.test_jobs import run_worker

    paid = utcnow() - dt.timedelta(hours=72)
    with Session(engine_for(committed_db), expire_on_commit=False) as committed:
        user, supplier, product = supplier_with_product(committed, app)
        promise(committed, user)
        committed.execute(
            sa.text("UPDATE supplier_promises SET effective_from = :at"), {"at": paid - dt.timedelta(hours=1)}
        )
        shop = make_shop(committed, app, carrying=[product])
        order(committed, supplier, product, paid_at=paid, ref="SF-WORKER-1")
        committed.add(
            Checkout(
                order_ref="SF-WORKER-1",
                access_token="worker-token-1",
                shop_id=shop.id,
                product_id=product.id,
                quantity=1,
                unit_price_fen=9900,
                total_fen=9900,
                buyer_name="李先生",
                buyer_phone="13900000001",
                address="杭州市",
                buyer_reference="buyer-worker",
                status="paid",
                provider="demo",
                paid_at=paid,
            )
        )
        committed.commit()

    queue = get_queue("periodic", redis)
    found = queue.enqueue("distro.promises.jobs.enforce_promises")
    refunded = queue.enqueue("distro.promises.jobs.refund_compensations")
    run_worker(redis, "periodic")

    assert found.return_value() == 1 and refunded.return_value() == 1
    with Session(engine_for(committed_db)) as committed:
        [breach] = breaches(committed)
        assert (breach.done_at, breach.payout_channel) == (None, "refund")
        assert balance(committed, BUYER_COMPENSATION) == 0 and ledger_total(committed) == 0
