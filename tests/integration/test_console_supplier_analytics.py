"""数据 in the supplier console: clicks, unique visitors, orders and GMV of the supplier's products across every shop,
by day, channel and product over the last 7, 30 or 90 days, as the API's /analytics/supplier gives them, drawn as
charts (server-written ECharts options) with their tables."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
import sqlalchemy as sa

from distro.share.models import ClickCount, ShareLink
from tests.console_supplier import sign_in, supplier_user_of
from tests.factories import make_supplier
from tests.owner_money import Trade, new_trade

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PAGE = "/console/supplier/analytics"


def charts(page: str) -> list[dict]:
    return [json.loads(html.unescape(found)) for found in re.findall(r"data-chart='([^']*)'", page)]


@pytest.fixture
def traffic(client, app, session) -> Trade:
    """10 clicks (4 visitors) today and 6 (3) twenty days ago on a WeChat link of the supplier's product; an order
    through it today (¥1,000) and one on the shop's page yesterday (¥500)."""
    trade = new_trade(client, app, session)
    today = dt.datetime.now(SHANGHAI).date()
    code = trade.link("wechat_chat")
    link_id = session.scalar(sa.select(ShareLink.id).where(ShareLink.code == code))
    session.add(ClickCount(link_id=link_id, day=today, clicks=10, unique_clicks=4))
    session.add(ClickCount(link_id=link_id, day=today - dt.timedelta(days=20), clicks=6, unique_clicks=3))
    session.commit()
    midday = dt.datetime.combine(today, dt.time(0, 1), SHANGHAI)
    trade.order("D1", 100_000, paid_at=midday, share_code=code)
    trade.order("D2", 50_000, paid_at=midday - dt.timedelta(days=1), buyer="b2")
    return trade


def test_the_week_of_the_suppliers_goods_by_channel_day_and_product(client, session, traffic: Trade):
    sign_in(client, supplier_user_of(session, traffic.product))
    page = client.get(PAGE + "?days=7").get_data(as_text=True)
    totals = re.findall(r"<div><dt>([^<]+)</dt><dd>([^<]+)</dd></div>", page)
    assert totals == [
        ("点击", "10"),
        ("访客", "4"),
        ("订单", "2"),
        ("成交额", "¥1,500.00"),
        ("退款后成交额", "¥1,500.00"),
    ]
    assert re.search(
        r'<th scope="row">微信好友</th><td class="num">10</td><td class="num">4</td><td class="num">1</td>'
        r'<td class="num">¥1,000.00</td><td class="num">¥1,000.00</td><td class="num">25%</td>',
        page,
    )
    assert (
        '<th scope="row">云南小粒咖啡豆 500g</th><td class="num">10</td><td class="num">4</td><td class="num">2</td>'
        in page
    )
    days, channels, products = charts(page)
    assert len(days["xAxis"]["data"]) == 7 and days["series"][0]["data"][-1] == 10
    assert days["series"][2]["data"][-2:] == [1, 1]
    assert channels["yAxis"]["data"] == ["直接进店", "微信好友"]
    assert products["yAxis"]["data"] == ["云南小粒咖啡豆 500g"] and products["series"][0]["data"] == ["1500.00"]
    assert "echarts.simple.min.js" in page and "owner/charts" in page


def test_a_longer_period_reaches_further_back_and_htmx_gets_the_report_only(client, session, traffic: Trade):
    sign_in(client, supplier_user_of(session, traffic.product))
    fragment = client.get(PAGE + "?days=30", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and '<div id="report">' in fragment
    assert re.findall(r"<div><dt>点击</dt><dd>(\d+)</dd></div>", fragment) == ["16"]
    assert re.search(r'days=30"[^>]*aria-current="true">近 30 天</a>', fragment)


def test_another_supplier_sees_none_of_these_figures(client, app, session, traffic: Trade):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    page = client.get(PAGE).get_data(as_text=True)
    assert re.findall(r"<div><dt>点击</dt><dd>(\d+)</dd></div>", page) == ["0"] and "云南小粒咖啡豆" not in page


@pytest.mark.parametrize("query", ["days=8", "days=abc"])
def test_a_period_the_page_does_not_offer_is_not_found(client, app, session, query):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    answer = client.get(f"{PAGE}?{query}")
    assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True)
