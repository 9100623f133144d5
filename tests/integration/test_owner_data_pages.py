"""数据 in the owner app: clicks, unique visitors, orders, GMV and conversion by channel, day and product over the
last 7, 30 or 90 days, as the API's analytics give them, drawn as charts with their tables."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.share.models import ClickCount, ShareLink
from tests.factories import PASSWORD, make_shop, make_user
from tests.owner_money import Trade, new_trade

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def sign_in(client, user) -> None:
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def charts(page: str) -> list[dict]:
    return [json.loads(html.unescape(found)) for found in re.findall(r"data-chart='([^']*)'", page)]


@pytest.fixture
def shop_with_traffic(client, app, session) -> Trade:
    """10 clicks (4 visitors) today and 6 (3) twenty days ago on a WeChat link; an order through it today (¥1,000)
    and one on the shop's page yesterday (¥500)."""
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


def test_the_week_by_channel_day_and_product_with_totals_and_conversion(client, shop_with_traffic: Trade):
    sign_in(client, shop_with_traffic.owner)
    page = client.get("/my/data?days=7").get_data(as_text=True)
    totals = re.findall(r"<div><dt>(\w+)</dt><dd>(\d+)</dd></div>", page)
    assert totals == [("点击", "10"), ("访客", "4"), ("订单", "2")] and "成交额 ¥1,500.00" in page
    # WeChat: 1 order of 4 visitors, 25%; the order on the shop's page came by no link.
    assert (
        '<tr><th scope="row">微信好友</th><td>10</td><td>4</td><td>1</td><td><span class="money">¥1,000.00</span>'
        "</td><td>25%</td></tr>" in page
    )
    assert '<tr><th scope="row">直接进店</th><td>0</td><td>0</td><td>1</td>' in page
    assert '<tr><th scope="row">云南小粒咖啡豆 500g</th><td>10</td><td>4</td><td>2</td>' in page
    days, channels, products = charts(page)
    assert len(days["xAxis"]["data"]) == 7 and days["series"][0]["data"][-1] == 10
    assert days["series"][2]["data"][-2:] == [1, 1] and sum(days["series"][0]["data"]) == 10
    assert channels["yAxis"]["data"] == ["直接进店", "微信好友"] and channels["series"][1]["data"] == [1, 1]
    assert products["yAxis"]["data"] == ["云南小粒咖啡豆 500g"] and products["series"][0]["data"] == ["1500.00"]


def test_a_longer_period_reaches_further_back(client, shop_with_traffic: Trade):
    sign_in(client, shop_with_traffic.owner)
    page = client.get("/my/data?days=30").get_data(as_text=True)
    assert re.findall(r"<div><dt>点击</dt><dd>(\d+)</dd></div>", page) == ["16"]
    [days, *_] = charts(page)
    assert len(days["xAxis"]["data"]) == 30 and sum(days["series"][1]["data"]) == 7


def test_choosing_a_period_answers_htmx_with_the_report_only(client, shop_with_traffic: Trade):
    sign_in(client, shop_with_traffic.owner)
    shop_id = shop_with_traffic.shop.id
    fragment = client.get(f"/my/data?shop={shop_id}&days=90", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'class="tabbar"' not in fragment
    assert '<div id="report">' in fragment and f'href="/my/data?shop={shop_id}&amp;days=90" hx-get=' in fragment
    assert re.search(r'days=90"[^>]*aria-current="true">近 90 天</a>', fragment)


@pytest.mark.parametrize("query", ["days=8", "days=abc", "days=", "days=%00"])
def test_a_period_the_page_does_not_offer_is_refused_on_the_periods_choice_in_chinese(client, app, session, query):
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    sign_in(client, owner)
    answer = client.get(f"/my/data?shop={shop.id}&{query}")
    html = answer.get_data(as_text=True)
    said = "请勿输入特殊字符" if "%00" in query else "请选择近 7、30 或 90 天"
    assert answer.status_code == 422 and f'id="e-days" role="alert">{said}' in html
    assert re.search(r'days=30"[^>]*aria-current="true">', html)  # the default period shown


@pytest.mark.parametrize("query", ["shop=-1", "shop=abc", "shop=99999999999999999999"])
def test_a_shop_the_page_does_not_offer_is_not_found(client, app, session, query):
    owner = make_user(session, Role.SHOP_OWNER)
    make_shop(session, app, owner)
    sign_in(client, owner)
    answer = client.get(f"/my/data?{query}")
    assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True)


def test_another_owners_shop_is_not_found(client, app, session, shop_with_traffic: Trade):
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    assert client.get(f"/my/data?shop={shop_with_traffic.shop.id}").status_code == 404
