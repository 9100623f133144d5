"""账簿: accounts with their balances by kind, shop or supplier, an account's postings newest first a page at a
time, and a posting's balanced entries, each linked to the others; finance staff only."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import col

from distro.auth.models import Role
from distro.console import finance_ledger_queries as queries
from distro.ledger.chart import shop_account, supplier_account
from distro.ledger.models import Entry
from tests.factories import make_shop, make_supplier, make_user
from tests.finance_books import post, sign_in


def test_accounts_are_listed_with_their_balances_and_filtered_by_kind_shop_and_supplier(client, session, app):
    _, supplier = make_supplier(session, app)
    shop, other = make_shop(session, app), make_shop(session, app)
    owes = supplier_account(supplier.id)
    post(session, "t:1", "accrual", (owes, 1500), (shop_account(shop.id, "pending"), -1000), ("platform:revenue", -500))
    post(session, "t:2", "accrual", (owes, 300), (shop_account(other.id, "pending"), -300))
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get("/console/finance/ledger").get_data(as_text=True)
    assert "¥18.00" in html and "¥10.00" in html and "¥5.00" in html
    pending = client.get("/console/finance/ledger?kind=shop_pending").get_data(as_text=True)
    assert shop_account(shop.id, "pending") in pending and owes not in pending
    one_shop = client.get(f"/console/finance/ledger?shop={other.id}").get_data(as_text=True)
    assert shop_account(other.id, "pending") in one_shop and shop_account(shop.id, "pending") not in one_shop
    blank = client.get("/console/finance/ledger?kind=shop_pending&shop=&supplier=")
    assert blank.status_code == 200 and shop_account(other.id, "pending") in blank.get_data(as_text=True)
    by_supplier = client.get(f"/console/finance/ledger?supplier={supplier.id}").get_data(as_text=True)
    assert f"/console/finance/ledger/accounts/{owes}" in by_supplier and "platform:revenue" not in by_supplier


def test_a_filter_that_is_not_one_is_refused_on_its_field_in_chinese(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    answer = client.get("/console/finance/ledger?kind=everything&shop=abc")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "请选择账户类别" in html and "请输入店铺编号" in html


def test_accounts_page_newest_first_from_the_last_one_shown(session, app):
    shops = [make_shop(session, app) for _ in range(3)]
    for shop in shops:
        post(
            session,
            f"t:{shop.id}",
            "release",
            (shop_account(shop.id, "pending"), 100),
            (shop_account(shop.id, "available"), -100),
        )
    first = queries.accounts_page(session, family="shop_available", after=None)
    codes = [row["code"] for row in first.rows]
    assert codes == [shop_account(shop.id, "available") for shop in reversed(shops)]
    assert all(row["balance"] == 100 for row in first.rows) and first.next_after is None


def test_an_accounts_postings_are_newest_first_with_its_side_and_page_on(client, session, app):
    shop = make_shop(session, app)
    code = shop_account(shop.id, "available")
    ids = [
        post(session, f"t:{n}", "release", (shop_account(shop.id, "pending"), 100 + n), (code, -(100 + n)))
        for n in range(3)
    ]
    page = queries.account_postings(session, code, after=None)
    assert [row["id"] for row in page.rows] == ids[::-1]
    assert [row["amount"] for row in page.rows] == [-102, -101, -100]
    assert queries.account_postings(session, code, after=ids[1]).rows[0]["id"] == ids[0]
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get(f"/console/finance/ledger/accounts/{code}").get_data(as_text=True)
    assert "¥3.03" in html and "转为可结算" in html
    assert html.index(f"/console/finance/ledger/postings/{ids[2]}") < html.index(
        f"/console/finance/ledger/postings/{ids[0]}"
    )


def test_a_page_of_an_accounts_postings_is_read_from_its_index_not_sorted(connection):
    # The test database is nearly empty; with sorting and sequential scans priced out the plan shows the index
    # that yields the order (platform:revenue has an entry for every commission line).
    connection.execute(sa.text("SET LOCAL enable_sort = off"))
    connection.execute(sa.text("SET LOCAL enable_seqscan = off"))
    query = queries.entries_by_posting(1).order_by(col(Entry.posting_id).desc()).limit(51)
    compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
    plan = "\n".join(connection.execute(sa.text(f"EXPLAIN {compiled}")).scalars())
    # Entries are partitioned by month: each partition's copy of the index is read backward, merged in order.
    scans = [line.strip().removeprefix("->  ") for line in plan.splitlines() if " on ledger_entries" in line]
    assert scans and not re.search(r"\bSort(?! Key)", plan), plan
    # A partition the planner sees as nearly empty may be read by its posting_id index, filtered: in order too.
    assert all(
        re.match(r"Index (Only )?Scan Backward using \w*(account_id_)?posting_id\w* on ", scan) for scan in scans
    ), plan


def test_a_posting_shows_its_entries_balanced_with_links_to_their_accounts(client, session, app):
    _, supplier = make_supplier(session, app)
    shop = make_shop(session, app)
    owes = supplier_account(supplier.id)
    posting_id = post(
        session,
        "t:accrual",
        "accrual",
        (owes, 1500),
        (shop_account(shop.id, "pending"), -1000),
        ("platform:revenue", -500),
    )
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get(f"/console/finance/ledger/postings/{posting_id}").get_data(as_text=True)
    assert "计提佣金" in html and "借贷平衡" in html and html.count("¥15.00") == 3  # the entry, then each side's total
    for code in (owes, shop_account(shop.id, "pending"), "platform:revenue"):
        assert f"/console/finance/ledger/accounts/{code}" in html
    assert "只能由订单自身的事件" in html


def test_an_unknown_account_or_posting_is_a_404_in_chinese(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    for path in (
        "/console/finance/ledger/accounts/shop:999999999:available",
        "/console/finance/ledger/postings/999999999",
    ):
        answer = client.get(path)
        assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True)


def test_the_ledger_is_finance_staffs_alone(client, session):
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    assert client.get("/console/finance/ledger").status_code == 403
    assert client.get("/console/finance/ledger/accounts/cash").status_code == 403


def test_shop_and_supplier_accounts_are_named_by_their_shop_and_company_with_their_numbers(client, session, app):
    _, supplier = make_supplier(session, app)
    shop = make_shop(session, app)
    owes, pending = supplier_account(supplier.id), shop_account(shop.id, "pending")
    posting_id = post(session, "t:named", "accrual", (owes, 1500), (pending, -1000), ("platform:revenue", -500))
    sign_in(client, make_user(session, Role.FINANCE))
    shop_named = f"{shop.display_name}（店铺 {shop.id}）"
    supplier_named = f"{supplier.company_name}（供货商 {supplier.id}）"
    listed = client.get("/console/finance/ledger").get_data(as_text=True)
    assert shop_named in listed and supplier_named in listed
    assert shop_named in client.get(f"/console/finance/ledger/accounts/{pending}").get_data(as_text=True)
    entries = client.get(f"/console/finance/ledger/postings/{posting_id}").get_data(as_text=True)
    assert shop_named in entries and supplier_named in entries
    assert queries.owner_names(session, ["platform:revenue", "shop:999999999:pending"]) == {}


def test_an_accounts_page_says_how_its_balance_reads_and_the_bank_accounts_why_it_may_be_negative(client, session):
    shop = make_shop(session, client.application)
    post(session, "t:paid", "payout_paid", (shop_account(shop.id, "available"), 700), ("cash", -700))
    sign_in(client, make_user(session, Role.FINANCE))
    cash = client.get("/console/finance/ledger/accounts/cash").get_data(as_text=True)
    assert "-¥7.00" in cash and "资产类账户：借方记增加" in cash and "余额为负，表示平台付出的多于收到的" in cash
    owed = client.get(f"/console/finance/ledger/accounts/{shop_account(shop.id, 'available')}").get_data(as_text=True)
    assert "负债类账户：贷方记增加" in owed and "余额为负" not in owed
