"""Supplier dues (对账): a month's statement is the ledger's figures on the supplier's payable account, finance sends
it, records a remittance that a second finance user approves (it posts once), what stays outstanding is the account's
balance, and dues overdue beyond the limit suspend the supplier by the job."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ, utcnow
from distro.dues import overdue, remittances, statements
from distro.errors import Conflict, Forbidden
from distro.ledger import services as ledger
from distro.ledger.chart import shop_account, supplier_account
from distro.ledger.models import Posting
from distro.settlement import queries as settlement
from distro.tiers.rules import month_bounds
from tests.dues_books import LAST_MONTH, in_month, month_before, post_at
from tests.factories import make_product, make_shop, make_supplier, make_user
from tests.finance_books import form_token, sign_in

MONTH = LAST_MONTH.strftime("%Y-%m")


def books(session, app):
    """A supplier that owed ¥10.00 before last month; last month ¥123.45 accrued, ¥20.00 reversed, ¥3.45 clawed
    back: it owed ¥110.00 at the month's end."""
    user, supplier = make_supplier(session, app)
    shop = make_shop(session, app)
    owes, pending = supplier_account(supplier.id), shop_account(shop.id, "pending")
    earlier, during = in_month(month_before(LAST_MONTH)), in_month(LAST_MONTH)
    post_at(session, f"d{supplier.id}:old", "accrual", earlier, (owes, 1_000), (pending, -1_000))
    post_at(
        session,
        f"d{supplier.id}:a",
        "accrual",
        during,
        (owes, 12_345),
        (pending, -10_000),
        ("platform:revenue", -2_345),
    )
    post_at(session, f"d{supplier.id}:r", "reversal", during, (pending, 2_000), (owes, -2_000))
    post_at(session, f"d{supplier.id}:c", "clawback", during, (pending, 345), (owes, -345))
    return user, supplier


def statement_of(session, supplier_id: int) -> statements.Shown:
    statements.issue_month(session=session, month=MONTH)
    [row] = session.execute(statements.statements_query(supplier_id=supplier_id)).mappings().all()
    return statements.shown(row)


def test_a_months_statement_is_the_ledgers_figures_and_closes_at_the_accounts_balance(session, app):
    _, supplier = books(session, app)
    shown = statement_of(session, supplier.id)
    row = shown.statement
    assert (row["opening_fen"], row["accrued_fen"], row["reversed_fen"], row["clawed_back_fen"]) == (
        1_000,
        12_345,
        2_000,
        345,
    )
    assert (row["remitted_fen"], row["adjusted_fen"], row["closing_fen"]) == (0, 0, 11_000)
    assert row["closing_fen"] == ledger.balance(session, supplier_account(supplier.id)) == shown.outstanding_fen
    report = settlement.period(session, MONTH)
    [owes] = [item for item in report["owed_by_supplier"] if item["supplier_id"] == supplier.id]
    assert owes["accrued_fen"] == row["accrued_fen"] and owes["owed_fen"] == row["closing_fen"] - row["opening_fen"]
    assert ledger.trial_balance(session)["total"] == 0


def test_a_month_is_issued_once_and_only_once_it_has_ended(session, app):
    books(session, app)
    statements.issue_month(session=session, month=MONTH)
    assert statements.issue_month(session=session, month=MONTH) == 0
    this_month = dt.datetime.now(BUSINESS_TZ).strftime("%Y-%m")
    with pytest.raises(statements.MonthNotOver):
        statements.issue_month(session=session, month=this_month)


def test_a_remittance_posts_once_when_a_second_finance_user_approves_it(session, app):
    _, supplier = books(session, app)
    shown = statement_of(session, supplier.id)
    maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    remittance = remittances.propose(
        session=session,
        supplier_id=supplier.id,
        statement_id=shown.statement["id"],
        amount_fen=4_000,
        bank_reference="B-0001",
        remitted_on=dt.date.today(),
        memo="",
        proposed_by=maker.id,
    )
    assert ledger.balance(session, supplier_account(supplier.id)) == 11_000  # nothing posts on recording
    with pytest.raises(Forbidden):
        remittances.approve(session=session, remittance_id=remittance.id, approver=maker.id)
    session.rollback()
    with pytest.raises(remittances.AlreadyRecorded):
        remittances.propose(
            session=session,
            supplier_id=supplier.id,
            amount_fen=4_000,
            bank_reference="B-0001",
            remitted_on=dt.date.today(),
            memo="",
            proposed_by=checker.id,
        )
    session.rollback()
    first = remittances.approve(session=session, remittance_id=remittance.id, approver=checker.id)
    again = remittances.approve(session=session, remittance_id=remittance.id, approver=checker.id)
    assert first.posting_id == again.posting_id
    kinds = session.scalars(
        sa.select(Posting.kind).where(Posting.reference == f"supplier-remittance:{remittance.id}")
    ).all()
    assert kinds == ["supplier_remittance"]
    with pytest.raises(Conflict):
        remittances.reject(session=session, remittance_id=remittance.id, reason="写错了", actor=maker.id)
    session.rollback()
    assert ledger.trial_balance(session)["total"] == 0


def test_after_a_partial_remittance_the_statement_asks_for_the_accounts_balance(session, app):
    _, supplier = books(session, app)
    shown = statement_of(session, supplier.id)
    maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    remittance = remittances.propose(
        session=session,
        supplier_id=supplier.id,
        amount_fen=4_000,
        bank_reference="B-0002",
        remitted_on=dt.date.today(),
        memo="部分回款",
        proposed_by=maker.id,
    )
    remittances.approve(session=session, remittance_id=remittance.id, approver=checker.id)
    now = statements.get_statement(session, shown.statement["id"])
    assert now.outstanding_fen == 7_000 == ledger.balance(session, supplier_account(supplier.id))
    assert ledger.balance(session, "cash") >= 4_000


def test_dues_overdue_beyond_the_limit_suspend_the_supplier_and_take_its_goods_out_of_the_pool(client, session, app):
    user, supplier = books(session, app)
    product = make_product(session, app, user)
    _, paid_up = books(session, app)
    shown = statement_of(session, supplier.id)
    [paid_row] = session.execute(statements.statements_query(supplier_id=paid_up.id)).mappings().all()
    finance, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    long_ago = utcnow() - dt.timedelta(days=60)
    for statement_id in (shown.statement["id"], paid_row["id"]):
        statements.send(session=session, statement_id=statement_id, sender=finance.id, due_days=15, now=long_ago)
    paid = remittances.propose(
        session=session,
        supplier_id=paid_up.id,
        amount_fen=11_000,
        bank_reference="B-ALL",
        remitted_on=dt.date.today(),
        memo="",
        proposed_by=finance.id,
    )
    remittances.approve(session=session, remittance_id=paid.id, approver=checker.id)
    today = dt.datetime.now(BUSINESS_TZ).date()
    listed = {row["id"] for row in session.execute(overdue.overdue_query(today)).mappings()}
    assert shown.statement["id"] in listed and paid_row["id"] not in listed
    assert overdue.suspend_overdue(session=session, limit_days=90) == []
    suspended = overdue.suspend_overdue(session=session, limit_days=30)
    assert supplier.id in suspended and paid_up.id not in suspended
    session.refresh(supplier)
    session.refresh(product)
    assert supplier.status == "suspended" and "逾期" in supplier.status_reason and "¥110.00" in supplier.status_reason
    assert product.in_pool is False
    assert supplier.id not in overdue.suspend_overdue(session=session, limit_days=30)  # already suspended
    sign_in(client, user)
    told = client.get("/console/supplier/statements").get_data(as_text=True)
    assert "因对账单逾期未结清已被暂停合作" in told and "已逾期" in told


def _send_and_open(client, statement_id: int) -> str:
    token = form_token(client, f"/console/finance/statements/{statement_id}")
    answer = client.post(f"/console/finance/statements/{statement_id}/send", data={"csrf_token": token})
    assert answer.status_code == 303
    return client.get(f"/console/finance/statements/{statement_id}").get_data(as_text=True)


def test_finance_sends_a_statement_and_records_a_remittance_a_colleague_approves_in_the_console(client, session, app):
    _, supplier = books(session, app)
    maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    sign_in(client, maker)
    token = form_token(client, f"/console/finance/statements?month={MONTH}")
    assert (
        client.post("/console/finance/statements/issue", data={"csrf_token": token, "month": MONTH}).status_code == 303
    )
    listing = client.get(f"/console/finance/statements?month={MONTH}").get_data(as_text=True)
    assert supplier.company_name in listing and "¥110.00" in listing
    [row] = session.execute(statements.statements_query(supplier_id=supplier.id)).mappings().all()
    page = _send_and_open(client, row["id"])
    assert "已发送" in page and "¥110.00" in page
    token = form_token(client, f"/console/finance/statements/{row['id']}")
    bad = client.post(
        f"/console/finance/statements/{row['id']}/remittances",
        data={"csrf_token": token, "amount": "四十", "bank_reference": "", "remitted_on": "2026-12-01"},
    )
    assert bad.status_code == 422 and "请填写金额" in bad.get_data(as_text=True)
    recorded = client.post(
        f"/console/finance/statements/{row['id']}/remittances",
        data={"csrf_token": token, "amount": "40.00", "bank_reference": "ICBC-778", "remitted_on": "2026-12-01"},
    )
    assert recorded.status_code == 303
    remittance_path = recorded.headers["Location"]
    token = form_token(client, remittance_path)
    own = client.post(f"{remittance_path}/approve", data={"csrf_token": token})
    assert own.status_code == 403 and "另一位财务同事" in own.get_data(as_text=True)
    client.get("/logout")
    sign_in(client, checker)
    token = form_token(client, remittance_path)
    assert client.post(f"{remittance_path}/approve", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{remittance_path}/approve", data={"csrf_token": token}).status_code == 303
    assert ledger.balance(session, supplier_account(supplier.id)) == 7_000
    assert "¥70.00" in client.get(f"/console/finance/statements/{row['id']}").get_data(as_text=True)


def test_the_supplier_sees_and_downloads_its_sent_statements_and_no_one_elses(client, session, app):
    user, supplier = books(session, app)
    _, other = books(session, app)
    statements.issue_month(session=session, month=MONTH)
    finance = make_user(session, Role.FINANCE)
    rows = {
        row["supplier_id"]: row["id"]
        for row in session.execute(statements.statements_query(month=LAST_MONTH)).mappings()
        if row["supplier_id"] in (supplier.id, other.id)
    }
    for statement_id in rows.values():
        statements.send(session=session, statement_id=statement_id, sender=finance.id, due_days=15)
    sign_in(client, user)
    page = client.get("/console/supplier/statements").get_data(as_text=True)
    assert MONTH in page and "¥110.00" in page
    mine = rows[supplier.id]
    workbook = load_workbook(io.BytesIO(client.get(f"/console/supplier/statements/{mine}.xlsx").get_data()))
    figures = {row[0]: row[1] for row in workbook.active.iter_rows(values_only=True) if row and row[0]}
    assert float(figures["期末应付"]) == 110.00 and isinstance(figures["未结清"], (int, float))
    csv_file = client.get(f"/console/supplier/statements/{mine}.csv")
    assert csv_file.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert "本期计提佣金,123.45" in csv_file.get_data().decode("utf-8-sig")
    assert client.get(f"/console/supplier/statements/{rows[other.id]}").status_code == 404
    assert client.get(f"/console/supplier/statements/{rows[other.id]}.csv").status_code == 404


def test_the_month_bounds_are_shanghai_months(session):
    start, end = month_bounds(LAST_MONTH)
    assert start.astimezone(BUSINESS_TZ).day == 1 and end > start


def test_finance_sends_a_months_statements_at_once_and_downloads_them_with_numbers(client, session, app):
    _, supplier = books(session, app)
    _, other = books(session, app)
    statements.issue_month(session=session, month=MONTH)
    sign_in(client, make_user(session, Role.FINANCE))
    token = form_token(client, f"/console/finance/statements?month={MONTH}")
    sent = client.post("/console/finance/statements/send-all", data={"csrf_token": token, "month": MONTH})
    assert sent.status_code == 303
    rows = session.execute(statements.statements_query(month=LAST_MONTH)).mappings().all()
    mine = [row for row in rows if row["supplier_id"] in (supplier.id, other.id)]
    assert len(mine) == 2 and {row["status"] for row in mine} == {"sent"} and all(row["due_on"] for row in mine)
    workbook = load_workbook(io.BytesIO(client.get(f"/console/finance/statements/month/{MONTH}.xlsx").get_data()))
    table = list(workbook.active.iter_rows(values_only=True))
    assert table[0][0] == "供货商编号" and table[0][13] == "未结清（元）"
    [row] = [line for line in table[1:] if line[0] == supplier.id]
    assert row[3] == "已发送" and float(row[11]) == 110.00 and isinstance(row[13], (int, float))
    csv_file = client.get(f"/console/finance/statements/month/{MONTH}.csv")
    assert csv_file.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert f"{other.id},测试供应链有限公司,{MONTH},已发送" in csv_file.get_data().decode("utf-8-sig")
    assert client.get("/console/finance/statements/month/2026-13.csv").status_code == 404
