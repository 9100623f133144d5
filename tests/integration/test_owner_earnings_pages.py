"""收益 in the owner app: the commission at each stage, every line with its status, statements and payee accounts,
read over what order processing, the release job and settlement recorded, and shown to the owner alone."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest

from distro.auth.models import Role
from distro.owner import earnings_queries as queries
from distro.pages import csrf_token_in
from tests.factories import PASSWORD, make_user, post_event
from tests.owner_money import Trade, new_trade

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
LONG_AGO = NOW - dt.timedelta(days=40)


def sign_in(client, user) -> None:
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def add_payee(client, form: dict):
    """POST the payee form as the form's page sends it (with that page's CSRF token)."""
    token = csrf_token_in(client.get("/my/earnings/payees/new").get_data(as_text=True))
    return client.post("/my/earnings/payees", data={**form, "csrf_token": token})


@pytest.fixture
def trade(client, app, session) -> Trade:
    """An owner whose five orders stand at every stage (an entry-tier owner earns 12% of what is paid):

    A1 ¥1,000 through a Moments link and A2 ¥500 on the shop's page, delivered long ago, paid out in one batch;
    then A2 refunded in full (clawed back); A3 ¥300 through a Weibo link, payable; A4 ¥200 paid, not delivered;
    A5 ¥100 paid and cancelled.
    """
    trade = new_trade(client, app, session)
    trade.order("A1", 100_000, paid_at=LONG_AGO, share_code=trade.link("wechat_moments"))
    trade.order("A2", 50_000, paid_at=LONG_AGO + dt.timedelta(minutes=1))
    for order in ("A1", "A2"):
        trade.deliver(order, LONG_AGO + dt.timedelta(days=2))
    trade.release(NOW)
    trade.payee()
    trade.settle("paid")
    trade.refund("A2", 50_000)
    trade.order("A3", 30_000, paid_at=LONG_AGO + dt.timedelta(days=1), share_code=trade.link("weibo"))
    trade.deliver("A3", LONG_AGO + dt.timedelta(days=3))
    trade.release(NOW)
    trade.order("A4", 20_000, paid_at=NOW - dt.timedelta(days=2))
    trade.order("A5", 10_000, paid_at=NOW - dt.timedelta(days=1))
    cancelled = {"order_id": "A5", "cancelled_at": NOW.isoformat()}
    assert post_event(client, app, "order.cancelled", cancelled).status_code == 200
    trade.process("A5")
    return trade


def test_the_summary_gives_the_commission_at_each_stage_over_the_owners_shops(trade: Trade, session):
    summary = queries.summary(session, trade.owner.id)  # type: ignore[arg-type]
    assert summary == queries.Summary(
        pending_fen=2_400,  # A4
        payable_fen=-2_400,  # A3's 3,600 less A2's 6,000 clawed back after its payout
        paying_fen=0,
        paid_fen=18_000,  # A1 and A2 in one batch
        clawed_back_fen=6_000,
        shops=1,
    )


def test_each_line_has_its_product_channel_order_time_amount_and_status_newest_first(trade: Trade, session):
    lines = queries.lines_page(session, trade.owner.id, before=None).items  # type: ignore[arg-type]
    seen = [(line.order_ref, line.channel, line.attribution, line.owner_fen, line.status) for line in lines]
    assert seen == [
        ("A5", None, "shop", 0, "reversed"),
        ("A4", None, "shop", 2_400, "pending"),
        ("A3", "weibo", "share_code", 3_600, "payable"),
        ("A2", None, "shop", 0, "clawed_back"),
        ("A1", "wechat_moments", "share_code", 12_000, "settled"),
    ]
    assert {(line.title, line.picture) for line in lines} == {("云南小粒咖啡豆 500g", "/images/coffee.png")}
    assert lines[-1].paid_at == LONG_AGO and lines[1].payable_at is None


def test_lines_come_a_page_at_a_time_each_page_starting_after_the_last_one_shown(trade: Trade, session):
    owner_id = trade.owner.id
    first = queries.lines_page(session, owner_id, before=None, size=2)  # type: ignore[arg-type]
    second = queries.lines_page(session, owner_id, before=first.next_before, size=2)  # type: ignore[arg-type]
    last = queries.lines_page(session, owner_id, before=second.next_before, size=2)  # type: ignore[arg-type]
    assert [[line.order_ref for line in page.items] for page in (first, second, last)] == [
        ["A5", "A4"],
        ["A3", "A2"],
        ["A1"],
    ]
    assert last.next_before is None


def test_statements_and_payee_accounts_are_the_owners_with_numbers_masked(trade: Trade, session):
    statements = queries.statements_page(session, trade.owner.id, before=None).items  # type: ignore[arg-type]
    assert [(s.amount_fen, s.status, s.failure_reason) for s in statements] == [(18_000, "paid", None)]
    [payee] = queries.payees(session, trade.owner.id)  # type: ignore[arg-type]
    shown = (payee.kind, payee.account_number, payee.bank_name, payee.is_default)
    assert shown == ("bank", "**** 2233", "工商银行", True)


def test_another_owner_sees_none_of_it(trade: Trade, session):
    stranger = make_user(session, Role.SHOP_OWNER)
    assert queries.summary(session, stranger.id) == queries.Summary(0, 0, 0, 0, 0, 0)  # type: ignore[arg-type]
    assert not queries.lines_page(session, stranger.id, before=None).items  # type: ignore[arg-type]
    assert not queries.statements_page(session, stranger.id, before=None).items  # type: ignore[arg-type]
    assert not queries.payees(session, stranger.id)  # type: ignore[arg-type]


def test_the_page_shows_the_amounts_in_yuan_what_each_stage_means_and_when_it_becomes_payable(client, trade: Trade):
    sign_in(client, trade.owner)
    html = client.get("/my/earnings").get_data(as_text=True)
    for shown in ("¥24.00", "-¥24.00", "¥180.00", "¥60.00", "¥120.00", "¥36.00"):
        assert f'<span class="money">{shown}</span>' in html, shown
    words_shown = ("确认收货 7 天后", "服饰运动类商品为 15 天", "不足 ¥1.00 时", "结转到下一批", "朋友圈", "微博")
    for words in words_shown:
        assert words in html, words
    for status in ("已结算", "已扣回", "可结算", "待结算", "已取消", "已打款"):
        assert f">{status}</span>" in html, status
    assert "第 " in html and "**** 2233" in html and "6222020200112233" not in html


def test_load_more_answers_htmx_with_the_next_rows_only_and_a_browser_with_a_page(client, trade: Trade, session):
    sign_in(client, trade.owner)
    [_, _, a3, *_] = queries.lines_page(session, trade.owner.id, before=None).items  # type: ignore[arg-type]
    rows = client.get(f"/my/earnings/lines?before={a3.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in rows and rows.count('<li class="card">') == 2 and "已扣回" in rows
    page = client.get(f"/my/earnings/lines?before={a3.id}").get_data(as_text=True)
    assert "<html" in page and page.count('<li class="card">') == 2 and 'class="tabbar"' in page


@pytest.mark.parametrize("query", ["before=abc", "before=0", "before=99999999999999999999", "before="])
def test_a_cursor_the_page_did_not_make_is_a_page_not_found_in_chinese(client, session, query):
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    for path in ("/my/earnings/lines", "/my/earnings/statements"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True), (path, query)


def test_an_owner_adds_a_payee_account_and_sees_it_masked_as_the_default(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, owner)
    form = {"kind": "alipay", "account_name": " 王小美 ", "account_number": "xiaomei@example.cn", "bank_name": ""}
    answer = add_payee(client, form)
    assert answer.status_code == 303 and answer.headers["Location"] == "/my/earnings#payees"
    [payee] = queries.payees(session, owner.id)  # type: ignore[arg-type]
    assert (payee.kind, payee.account_name, payee.account_number, payee.bank_name) == (
        "alipay",
        "王小美",
        "**** e.cn",
        None,
    )
    assert "支付宝 **** e.cn" in client.get("/my/earnings").get_data(as_text=True)


def test_a_payee_form_that_breaks_the_apis_rules_is_refused_field_by_field_in_chinese(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, owner)
    answer = add_payee(client, {"kind": "paypal", "account_name": "", "account_number": "12 3"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "请选择收款方式" in html and "请填写收款人姓名" in html and "请填写 4 到 40 位账号" in html
    assert 'id="account_number" name="account_number" type="text" value="12 3"' in html
    assert not queries.payees(session, owner.id)  # type: ignore[arg-type]
    nul = add_payee(client, {"kind": "bank", "account_name": "王\x00", "account_number": "1234"})
    assert nul.status_code == 422 and "请勿输入特殊字符" in nul.get_data(as_text=True)


def test_a_payee_form_without_its_csrf_token_changes_nothing(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, owner)
    form = {"kind": "bank", "account_name": "王小美", "account_number": "6222020200112233", "csrf_token": ""}
    assert client.post("/my/earnings/payees", data=form).status_code == 400
    assert not queries.payees(session, owner.id)  # type: ignore[arg-type]


def test_only_a_shop_owner_has_a_payee_form(client, session):
    supplier = make_user(session, Role.SUPPLIER)
    sign_in(client, supplier)
    assert client.get("/my/earnings/payees/new").status_code == 404
    token = csrf_token_in(client.get("/my/me").get_data(as_text=True))  # the page session's, valid on any form
    form = {"kind": "bank", "account_name": "王小美", "account_number": "6222020200112233", "csrf_token": token}
    assert client.post("/my/earnings/payees", data=form).status_code == 404
    assert not queries.payees(session, supplier.id)  # type: ignore[arg-type]


def test_the_figure_pages_go_gzipped_to_a_browser_that_takes_it(client, trade: Trade):
    sign_in(client, trade.owner)
    for path in ("/my/earnings", "/my/tier", "/my/data", "/my/messages"):
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"], path
        page = gzip.decompress(packed.data).decode()
        assert 'class="tabbar"' in page and len(packed.data) < len(page.encode()) / 2, path
        plain = client.get(path)
        assert "Content-Encoding" not in plain.headers and "<html" in plain.get_data(as_text=True), path
