"""保证金 in the ledger: paid in once per confirmed payment, drawn for compensations and penalties, the supplier's
goods out of the pool while short and back when topped up (never past an admin's suspension), and returned only
with nothing outstanding; every movement a posting and the ledger balanced."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.deposits import returns, rules, services
from distro.deposits.jobs import refresh_deposit_standing
from distro.deposits.models import DepositReturn
from distro.deposits.standing import refresh_standing, standing_of
from distro.errors import Conflict, Forbidden
from distro.ledger.chart import BUYER_COMPENSATION, EntryLine, supplier_deposit_account
from distro.ledger.models import Entry, LedgerAccount, Posting
from distro.ledger.services import balance, record_posting, trial_balance, unbalanced_postings
from distro.settlement.payout_results import PayoutResult
from distro.settlement.rail_demo import DemoRail
from distro.suppliers import services as supplier_services
from distro.suppliers.models import Product, Supplier
from distro.suppliers.rules import SupplierAction
from tests.factories import make_product, make_supplier, make_user, pay_deposit
from tests.owner_money import new_trade

REQUIRED = 1_000_000
BANK = returns.PayeeDetails("杭州良品供应链有限公司", "6222020200112233", "工商银行")


def in_pool(session, product) -> bool:
    session.expire_all()
    return bool(session.get_one(Product, product.id).in_pool)


def held(session, supplier) -> int:
    return balance(session, supplier_deposit_account(supplier.id))


def assert_balanced(session) -> None:
    assert trial_balance(session)["total"] == 0
    assert unbalanced_postings(session) == []


def postings_of(session, kind: str, supplier) -> int:
    """How many postings of kind moved the supplier's deposit."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Posting)
        .join(Entry, Entry.posting_id == Posting.id)
        .join(LedgerAccount, LedgerAccount.id == Entry.account_id)
        .where(Posting.kind == kind, LedgerAccount.code == supplier_deposit_account(supplier.id))
    )


def unpaid_supplier(session, app):
    """An approved supplier that has not paid its deposit yet, with a product (out of the pool)."""
    user, supplier = make_supplier(session, app, approve=False)
    admin = make_user(session, Role.ADMIN)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.APPROVE, reason=None, admin_id=admin.id
    )
    return user, session.get_one(Supplier, supplier.id), make_product(session, app, user)


def test_an_approved_supplier_that_has_not_paid_its_deposit_has_its_goods_out_of_the_pool(session, app):
    user, supplier, product = unpaid_supplier(session, app)
    assert supplier.deposit_required_fen == app.config["SUPPLIER_MIN_DEPOSIT_FEN"] == REQUIRED
    assert standing_of(session, supplier).shortfall_fen == REQUIRED
    assert not in_pool(session, product)
    assert pay_deposit(session, user) == REQUIRED
    assert in_pool(session, product)
    assert held(session, supplier) == REQUIRED


def test_a_payment_confirmed_twice_posts_once(session, app):
    user, supplier, _ = unpaid_supplier(session, app)
    payment = services.start_payment(session=session, user_id=user.id, provider="demo")
    first = services.confirm_payment(session=session, reference=payment.reference, provider="demo")
    again = services.confirm_payment(session=session, reference=payment.reference, provider="demo")
    assert (first[1], again[1]) == (True, False)
    assert held(session, supplier) == REQUIRED
    assert postings_of(session, services.DEPOSIT_PAID, supplier) == 1
    assert_balanced(session)


def test_a_payment_is_confirmed_only_by_the_provider_it_was_started_with(session, app):
    user, _, _ = unpaid_supplier(session, app)
    payment = services.start_payment(session=session, user_id=user.id, provider="demo")
    with pytest.raises(Conflict):
        services.confirm_payment(session=session, reference=payment.reference, provider="wechat")


def test_nothing_to_pay_when_the_deposit_is_whole(session, app):
    user, _ = make_supplier(session, app)
    with pytest.raises(Conflict):
        services.start_payment(session=session, user_id=user.id, provider="demo")


def test_a_draw_below_the_requirement_takes_the_goods_out_and_a_top_up_brings_them_back(session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    assert in_pool(session, product)
    services.draw_deposit(
        session=session,
        supplier_id=supplier.id,
        amount_fen=5_000,
        reason_kind=rules.COMPENSATION,
        reference="promise:late:1",
        to_account=BUYER_COMPENSATION,
        memo="超时发货赔付",
    )
    session.commit()
    assert held(session, supplier) == REQUIRED - 5_000
    assert balance(session, BUYER_COMPENSATION) >= 5_000
    assert not in_pool(session, product)
    assert pay_deposit(session, user) == 5_000
    assert in_pool(session, product)
    assert_balanced(session)


def test_the_same_draw_twice_posts_once(session, app):
    _, supplier = make_supplier(session, app)
    draw = dict(
        session=session,
        supplier_id=supplier.id,
        amount_fen=3_000,
        reason_kind=rules.PENALTY,
        reference="penalty:fake-goods",
        to_account="platform:revenue",
    )
    first = services.draw_deposit(**draw)
    assert services.draw_deposit(**draw) == first
    session.commit()
    assert held(session, supplier) == REQUIRED - 3_000


def test_a_draw_beyond_what_is_held_leaves_the_supplier_owing_it_on_top_of_the_requirement(session, app):
    user, supplier = make_supplier(session, app)
    services.draw_deposit(
        session=session,
        supplier_id=supplier.id,
        amount_fen=REQUIRED + 20_000,
        reason_kind=rules.COMPENSATION,
        reference="promise:big",
        to_account=BUYER_COMPENSATION,
    )
    session.commit()
    assert standing_of(session, supplier).shortfall_fen == REQUIRED + 20_000
    assert pay_deposit(session, user) == REQUIRED + 20_000
    assert held(session, supplier) == REQUIRED


def test_a_suspended_supplier_stays_out_of_the_pool_after_topping_up(session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    admin = make_user(session, Role.ADMIN)
    services.penalize(session=session, supplier_id=supplier.id, amount_fen=10_000, reason="售假", admin_id=admin.id)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.SUSPEND, reason="售假", admin_id=admin.id
    )
    assert pay_deposit(session, user) == 10_000
    assert not in_pool(session, product)
    assert refresh_standing(session) >= 0
    session.commit()
    assert not in_pool(session, product)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.REINSTATE, reason="整改完成", admin_id=admin.id
    )
    assert in_pool(session, product)


def test_reinstating_a_supplier_short_of_its_deposit_keeps_its_goods_out(session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    admin = make_user(session, Role.ADMIN)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.SUSPEND, reason="抽检", admin_id=admin.id
    )
    services.penalize(
        session=session, supplier_id=supplier.id, amount_fen=50_000, reason="抽检不合格", admin_id=admin.id
    )
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.REINSTATE, reason="整改", admin_id=admin.id
    )
    assert not in_pool(session, product)


def test_a_draw_posted_elsewhere_is_caught_up_by_the_standing_job(session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    # A posting on the deposit made without the service (as a finance adjustment would): no standing re-derived.
    record_posting(
        session,
        reference="elsewhere:1",
        kind="adjustment",
        lines=[EntryLine(supplier_deposit_account(supplier.id), 1_000), EntryLine("platform:adjustments", -1_000)],
    )
    session.commit()
    assert in_pool(session, product)
    assert refresh_standing(session) == 1
    session.commit()
    assert not in_pool(session, product)


def test_the_standing_sql_agrees_with_the_rule(session, app):
    admin = make_user(session, Role.ADMIN)
    cases = []
    for status, draw, required in [
        ("approved", 0, REQUIRED),
        ("approved", 1, REQUIRED),
        ("approved", 0, REQUIRED + 1),
        ("approved", REQUIRED + 5, REQUIRED),
        ("approved", 0, 0),
        ("suspended", 0, REQUIRED),
        ("suspended", 1, REQUIRED),
    ]:
        user, supplier = make_supplier(session, app)
        product = make_product(session, app, user)
        if draw:
            services.draw_deposit(
                session=session,
                supplier_id=supplier.id,
                amount_fen=draw,
                reason_kind=rules.PENALTY,
                reference=f"twin:{supplier.id}",
                to_account="platform:revenue",
            )
        if required != REQUIRED:
            services.set_requirement(
                session=session, supplier_id=supplier.id, required_fen=required, reason="调整", admin_id=admin.id
            )
        if status == "suspended":
            supplier_services.decide(
                session=session, supplier_id=supplier.id, action=SupplierAction.SUSPEND, reason="x", admin_id=admin.id
            )
        session.commit()
        cases.append((supplier, product, status, REQUIRED - draw, required))
    session.execute(sa.update(Product).values(supplier_active=sa.not_(Product.supplier_active)))
    refresh_standing(session)
    session.commit()
    for _, product, status, held_fen, required in cases:
        assert in_pool(session, product) == rules.sells(status, held_fen, required), (status, held_fen, required)


def test_an_admin_sets_a_suppliers_requirement_with_a_reason_and_its_standing_follows(session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    admin = make_user(session, Role.ADMIN)
    services.set_requirement(
        session=session, supplier_id=supplier.id, required_fen=3_000_000, reason="高客单价类目", admin_id=admin.id
    )
    assert not in_pool(session, product)
    assert pay_deposit(session, user) == 2_000_000
    assert in_pool(session, product)
    entry = session.execute(
        sa.text("SELECT after FROM audit_log WHERE action = 'supplier.deposit_required' AND subject_id = :id"),
        {"id": supplier.id},
    ).scalar_one()
    assert entry["reason"] == "高客单价类目"


def test_a_deposit_is_not_returned_while_an_order_is_open_or_commission_owed(client, app, session):
    trade = new_trade(client, app, session)
    trade.order("D1", 100_000, paid_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    supplier = session.get_one(Supplier, trade.product.supplier_id)
    with pytest.raises(returns.ReturnRefused) as refused:
        returns.return_deposit(session=session, user_id=supplier.user_id, payee=BANK, rail=DemoRail(), window_days=15)
    assert refused.value.why == rules.OWED
    assert held(session, supplier) == REQUIRED
    assert session.scalar(sa.select(sa.func.count()).select_from(DepositReturn)) == 0


def test_open_orders_are_counted_until_the_after_sales_window_closes(client, app, session):
    trade = new_trade(client, app, session)
    now = dt.datetime.now(dt.UTC)
    trade.order("D2", 100_000, paid_at=now - dt.timedelta(days=20))
    supplier = session.get_one(Supplier, trade.product.supplier_id)
    assert returns.outstanding(session, supplier, window_days=15).open_orders == 1
    trade.deliver("D2", now - dt.timedelta(days=10))
    assert returns.outstanding(session, supplier, window_days=15).open_orders == 1
    assert returns.outstanding(session, supplier, window_days=7).open_orders == 0


def test_a_supplier_with_nothing_outstanding_gets_its_deposit_back_once(session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    back = returns.return_deposit(session=session, user_id=user.id, payee=BANK, rail=DemoRail(), window_days=15)
    assert (back.status, back.amount_fen, back.external_reference) == ("paid", REQUIRED, f"DEMO-{back.id}")
    assert held(session, supplier) == 0
    assert not in_pool(session, product)
    with pytest.raises(returns.ReturnRefused) as again:
        returns.return_deposit(session=session, user_id=user.id, payee=BANK, rail=DemoRail(), window_days=15)
    assert again.value.why == rules.NOTHING_HELD
    paid_again = PayoutResult(back.id, "paid", "DEMO-again", None)  # the rail's answer, heard a second time
    returns.record_return_result(session=session, return_id=back.id, results=[paid_again])
    assert postings_of(session, services.DEPOSIT_RETURNED, supplier) == 1
    assert_balanced(session)


def test_a_return_the_rail_refuses_moves_no_money(session, app):
    user, supplier = make_supplier(session, app)
    wrong = returns.PayeeDetails("别人", "6222020200110000", "工商银行")  # the demo rail: a name that does not match
    back = returns.return_deposit(session=session, user_id=user.id, payee=wrong, rail=DemoRail(), window_days=15)
    assert (back.status, back.failure_reason) == ("failed", "收款账户信息不符")
    assert held(session, supplier) == REQUIRED


def test_a_suspended_supplier_cannot_take_its_deposit_back(session, app):
    user, supplier = make_supplier(session, app)
    admin = make_user(session, Role.ADMIN)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.SUSPEND, reason="售假", admin_id=admin.id
    )
    with pytest.raises(Forbidden):
        returns.return_deposit(session=session, user_id=user.id, payee=BANK, rail=DemoRail(), window_days=15)
    assert held(session, supplier) == REQUIRED


def test_the_standing_job_runs_as_cron_starts_it(committed_db):
    assert refresh_deposit_standing() >= 0
