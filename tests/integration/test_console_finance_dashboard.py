"""概览: what owners, suppliers and payouts in flight stand at, read from the ledger's balances, each figure with
its meaning and a link into the ledger explorer; finance staff only."""

from __future__ import annotations

from sqlmodel import Session

from distro.auth.models import Role
from distro.console import finance_dashboard_queries as queries
from distro.ledger.chart import shop_account, supplier_account
from tests.factories import make_shop, make_supplier, make_user
from tests.finance_books import post, sign_in


def books(session: Session, app) -> dict:
    """Shop A with ¥6 pending and ¥3 payable (¥1 of it reserved in a batch), shop B clawed back ¥2 after payout,
    shop C frozen with ¥3 payable, and one supplier owing ¥16."""
    _, supplier = make_supplier(session, app)
    a, b, c = make_shop(session, app), make_shop(session, app), make_shop(session, app)
    owes = supplier_account(supplier.id)
    post(
        session,
        "t:a:accrual",
        "accrual",
        (owes, 1500),
        (shop_account(a.id, "pending"), -1000),
        ("platform:revenue", -500),
    )
    post(
        session, "t:a:release", "release", (shop_account(a.id, "pending"), 400), (shop_account(a.id, "available"), -400)
    )
    post(session, "t:a:reserve", "payout_reserve", (shop_account(a.id, "available"), 100), ("payouts:clearing", -100))
    post(session, "t:b:clawback", "clawback", (shop_account(b.id, "available"), 200), (owes, -200))
    post(session, "t:c:release", "release", (owes, 300), (shop_account(c.id, "available"), -300))
    c.payouts_frozen = True
    session.add(c)
    session.commit()
    return {"a": a, "b": b, "c": c, "supplier": supplier}


def test_the_standing_sums_the_ledger_balances_by_what_finance_does_with_them(session, app):
    books(session, app)
    standing = queries.standing(session)
    assert (standing.pending_fen, standing.pending_shops) == (600, 1)
    assert (standing.payable_fen, standing.payable_shops) == (300, 1)
    assert (standing.held_fen, standing.held_shops) == (300, 1)
    assert (standing.clawed_back_fen, standing.clawed_back_shops) == (200, 1)
    assert standing.in_flight_fen == 100
    assert (standing.owed_by_suppliers_fen, standing.owing_suppliers) == (1600, 1)


def test_the_dashboard_shows_each_figure_with_its_meaning_and_a_link_into_the_ledger(client, session, app):
    books(session, app)
    sign_in(client, make_user(session, Role.FINANCE))
    page = client.get("/console/finance")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in ("待结算（售后期内）", "可结算", "暂停支付", "待追回", "在途打款", "供货商应付"):
        assert words in html
    for amount in ("¥6.00", "¥3.00", "¥2.00", "¥1.00", "¥16.00"):
        assert amount in html
    assert "/console/finance/ledger?kind=shop_pending" in html
    assert "/console/finance/ledger?kind=supplier_payable" in html
    assert 'aria-current="page">概览' in html


def test_the_dashboard_says_how_many_adjustments_wait_for_a_second_finance_user(client, session, app):
    from distro.ledger import adjustments
    from distro.ledger.chart import EntryLine

    proposer = make_user(session, Role.FINANCE)
    adjustments.propose_adjustment(
        session=session,
        lines=[EntryLine("platform:adjustments", 500), EntryLine("cash", -500)],
        memo="银行手续费",
        proposed_by=proposer.id,  # type: ignore[arg-type]
    )
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get("/console/finance").get_data(as_text=True)
    assert "1 笔调账等待另一位财务审批" in html and "/console/finance/adjustments?status=proposed" in html


def test_an_account_without_the_finance_role_is_refused_the_dashboard(client, session):
    sign_in(client, make_user(session, Role.SUPPLIER))
    answer = client.get("/console/finance")
    assert answer.status_code == 403 and "没有权限" in answer.get_data(as_text=True)
