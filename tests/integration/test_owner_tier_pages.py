"""等级 in the owner app: the shop's tier, this month's figures against the next tier and against keeping this one
as accessible progress bars, and the monthly history as a chart with its table; only for the shop's owner."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from distro.auth.models import Role
from tests.factories import PASSWORD, make_shop, make_user
from tests.owner_money import SHANGHAI, Trade, new_trade, sales_this_month


def sign_in(client, user) -> None:
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def bars(page: str) -> dict[str, str]:
    """Each progress bar's label id and its aria-valuenow."""
    return dict(
        re.findall(
            r'role="progressbar" aria-labelledby="([\w-]+)" aria-valuemin="0" aria-valuemax="100" '
            r'aria-valuenow="(\d+)"',
            page,
        )
    )


@pytest.fixture
def senior(client, app, session) -> Trade:
    """A shop at 资深掌柜 whose month so far has ¥1,500 of sales in 3 orders from 2 buyers, and its history."""
    trade = new_trade(client, app, session)
    trade.shop.tier_code = "senior"
    session.commit()
    october = {"gmv_fen": 600_000, "orders": 25, "buyers": 12}
    trade.move_tier(
        dt.date(2026, 10, 1), "new", "senior", effective_from=dt.datetime(2026, 11, 1, 2, tzinfo=SHANGHAI), **october
    )
    sales_this_month(trade)
    return trade


def test_the_tier_page_shows_the_month_against_the_next_tier_and_against_keeping_this_one(client, senior: Trade):
    sign_in(client, senior.owner)
    page = client.get("/my/tier").get_data(as_text=True)
    assert '<p class="tier-now">资深掌柜</p>' in page and "你分得 65%。" in page
    assert "升到精英掌柜" in page and "保持资深掌柜" in page and "分成 70%" in page
    # ¥1,500 of ¥30,000, 3 of 100 orders, 2 of 50 buyers; to keep 资深: of ¥5,000, 20 orders and 10 buyers.
    assert bars(page) == {
        "next-net_gmv_fen": "5",
        "next-orders": "3",
        "next-buyers": "4",
        "keep-net_gmv_fen": "30",
        "keep-orders": "15",
        "keep-buyers": "20",
    }
    text = re.sub(r"<[^>]+>", "", page)
    assert "¥1,500.00 / ¥30,000.00" in text and "还差 ¥3,500.00" in text and "还差 8 人" in text
    assert 'aria-valuetext="已完成 30%"' in page and '<rect class="fill" width="30" height="8" rx="4"/>' in page


def test_the_history_is_a_chart_drawn_by_the_pages_script_and_a_table(client, senior: Trade):
    sign_in(client, senior.owner)
    page = client.get("/my/tier").get_data(as_text=True)
    [option] = [json.loads(html.unescape(found)) for found in re.findall(r"data-chart='([^']*)'", page)]
    assert option["xAxis"]["data"] == ["2026-10"] and option["series"][0]["data"] == ["资深掌柜"]
    assert option["yAxis"]["data"] == ["新晋掌柜", "资深掌柜", "精英掌柜", "超级掌柜"]
    assert re.search(
        r'<script src="/static/vendor/echarts-6.1.0/echarts.simple.min.js\?v=\w+" nonce="[^"]+" defer>', page
    )
    assert re.search(r'<script src="/static/owner/charts.js\?v=\w+" nonce="[^"]+" defer>', page)
    assert '<th scope="row">2026-10</th><td>资深掌柜</td><td><span class="money">¥6,000.00</span></td>' in page


def test_a_new_shop_at_the_entry_tier_has_nothing_to_keep_and_no_history_yet(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    make_shop(session, app, owner)
    sign_in(client, owner)
    page = client.get("/my/tier").get_data(as_text=True)
    assert "新晋掌柜" in page and "这是起步等级，没有门槛，不会降级。" in page and "还没有评定记录" in page
    assert set(bars(page)) == {"next-net_gmv_fen", "next-orders", "next-buyers"}
    assert "data-chart" not in page


def test_the_top_tier_has_no_next_one(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    shop.tier_code = "super"
    session.commit()
    sign_in(client, owner)
    page = client.get("/my/tier").get_data(as_text=True)
    assert "已是最高等级" in page and set(bars(page)) == {"keep-net_gmv_fen", "keep-orders", "keep-buyers"}


def test_an_owner_with_two_shops_chooses_and_another_owners_shop_is_not_found(client, app, session, senior: Trade):
    senior.owner.max_shops = 2
    session.commit()
    second = make_shop(session, app, senior.owner, name="第二家")
    sign_in(client, senior.owner)
    page = client.get(f"/my/tier?shop={second.id}").get_data(as_text=True)
    assert 'aria-label="选择店铺"' in page and "第二家的小铺 的等级" in page and "新晋掌柜" in page
    stranger_shop = make_shop(session, app)
    for query in (f"shop={stranger_shop.id}", "shop=0", "shop=abc"):
        answer = client.get(f"/my/tier?{query}")
        assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True), query


def test_an_owner_without_a_shop_is_told_so(client, session):
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    for path in ("/my/tier", "/my/data"):
        assert "你还没有店铺" in client.get(path).get_data(as_text=True), path
