"""月度报表: a calendar month's figures from the ledger, the report the API gives, with CSV and XLSX downloads whose
amounts are numbers; a month that is not one is refused in Chinese."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.ledger.chart import shop_account, supplier_account
from tests.factories import bearer, make_shop, make_supplier, make_user
from tests.finance_books import post, sign_in

THIS_MONTH = dt.datetime.now(BUSINESS_TZ).strftime("%Y-%m")


def month_books(session, app):
    """This month: ¥123.45 of commission accrued (¥100 to the owner), of which ¥20 reversed."""
    _, supplier = make_supplier(session, app)
    shop = make_shop(session, app)
    owes, pending = supplier_account(supplier.id), shop_account(shop.id, "pending")
    post(session, "t:accrual", "accrual", (owes, 12345), (pending, -10000), ("platform:revenue", -2345))
    post(session, "t:reversal", "reversal", (pending, 2000), (owes, -2000))
    return supplier


def test_the_month_is_the_apis_report_with_its_figures_and_whether_it_ties_out(client, session, app):
    supplier = month_books(session, app)
    finance = make_user(session, Role.FINANCE)
    sign_in(client, finance)
    page = client.get(f"/console/finance/periods?month={THIS_MONTH}")
    html = page.get_data(as_text=True)
    api = client.get(f"/api/v1/settlement/periods/{THIS_MONTH}", headers=bearer(app, finance)).get_json()
    assert page.status_code == 200 and api["accrued"]["owner_fen"] == 10000
    assert "¥123.45" in html and "¥100.00" in html and "¥20.00" in html
    assert "勾稽平衡" in html and api["ties_out"] is True
    assert supplier.company_name in html
    assert f"/console/finance/periods/{THIS_MONTH}.xlsx" in html


def test_this_month_is_shown_when_none_is_chosen(client, session, app):
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get("/console/finance/periods").get_data(as_text=True)
    assert f'value="{THIS_MONTH}"' in html and "本月没有供货商的记账" in html
    november = client.get("/console/finance/periods?month=2026-01").get_data(as_text=True)
    assert "month=2025-12" in november and "month=2026-02" in november


def test_a_month_that_is_not_one_is_refused_on_its_field_in_chinese(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    for typed in ("2026-13", "2026-1", "十一月"):
        answer = client.get("/console/finance/periods", query_string={"month": typed})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and 'id="e-month"' in html and "格式为 YYYY-MM" in html
    assert client.get("/console/finance/periods/2026-13.csv").status_code == 404
    assert client.get(f"/console/finance/periods/{THIS_MONTH}.pdf").status_code == 404


def test_the_csv_download_has_each_figure_in_yuan(client, session, app):
    month_books(session, app)
    sign_in(client, make_user(session, Role.FINANCE))
    answer = client.get(f"/console/finance/periods/{THIS_MONTH}.csv")
    assert answer.status_code == 200 and answer.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert f"distro-period-{THIS_MONTH}.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    figures = {row[0]: row[1] for row in rows if len(row) == 2}
    assert figures["计提 · 佣金池"] == "123.45" and figures["冲回 · 店主"] == "20.00" and figures["勾稽平衡"] == "是"


def test_the_xlsx_download_keeps_amounts_as_numbers(client, session, app):
    supplier = month_books(session, app)
    sign_in(client, make_user(session, Role.FINANCE))
    answer = client.get(f"/console/finance/periods/{THIS_MONTH}.xlsx")
    assert answer.status_code == 200
    workbook = load_workbook(io.BytesIO(answer.get_data()))
    figures = {row[0]: row[1] for row in workbook["月度报表"].iter_rows(values_only=True) if row and row[0]}
    assert Decimal(str(figures["计提 · 店主"])) == Decimal("100.00")
    assert isinstance(figures["计提 · 平台"], (int, float))
    suppliers = list(workbook["供货商"].iter_rows(values_only=True))
    assert suppliers[1][0] == supplier.id and Decimal(str(suppliers[1][6])) == Decimal("103.45")


def test_the_monthly_report_is_finance_staffs_alone(client, session):
    sign_in(client, make_user(session, Role.SUPPLIER))
    assert client.get("/console/finance/periods").status_code == 403
    assert client.get(f"/console/finance/periods/{THIS_MONTH}.csv").status_code == 403
