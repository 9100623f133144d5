"""消息, the owner's inbox: each kind of message read from what distro recorded (orders, released commission,
payouts, tier history, takedowns), newest first, unread until the owner opens it, and nobody else's."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.auth.models import Role
from distro.owner import messages
from distro.owner.models import InboxMark
from tests.factories import PASSWORD, make_user
from tests.owner_money import Trade, a_month_of_news, new_trade

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def trade(client, app, session) -> Trade:
    """An owner's month: A1 ¥1,000 through a Moments link and A2 ¥500 on the shop's page, each delivered and
    payable on a day of its own; A1's commission paid out, A2's payout failed; the shop moved up a tier; its
    product taken down and restored. And an order of 100 days ago, before the inbox's reach."""
    trade = new_trade(client, app, session)
    trade.order("A0", 10_000, paid_at=days_ago(100))
    a_month_of_news(trade, NOW, failure="账户已冻结")
    trade.take_down("资质待复核", restore_because="资质已补齐")
    return trade


def summary(message: messages.Message) -> tuple:
    detail = message.detail
    kept = {
        "order": ("order_ref", "channel", "paid_fen", "owner_fen"),
        "payable": ("lines", "owner_fen"),
        "payout_paid": ("amount_fen", "account_number"),
        "payout_failed": ("amount_fen", "reason"),
        "tier": ("from", "to", "month"),
        "product.taken_down": ("title", "reason"),
        "product.restored": ("title",),
    }[message.kind]
    return (message.kind, *(detail[name] for name in kept))


def test_the_inbox_tells_each_thing_that_happened_newest_first(trade: Trade, session):
    inbox = messages.open_inbox(session=session, owner_id=trade.owner.id, page=1)  # type: ignore[arg-type]
    assert [summary(message) for message in inbox.messages] == [
        ("product.restored", "云南小粒咖啡豆 500g"),
        ("product.taken_down", "云南小粒咖啡豆 500g", "资质待复核"),
        ("payout_failed", 6_000, "账户已冻结"),
        ("payout_paid", 12_000, "**** 2233"),
        ("payable", 1, 6_000),
        ("payable", 1, 12_000),
        ("tier", "new", "senior", "2026-11-01"),
        ("order", "A2", None, 50_000, 6_000),
        ("order", "A1", "wechat_moments", 100_000, 12_000),
    ]
    assert all(message.unread and message.shop_name == "小美好物的小铺" for message in inbox.messages)
    assert not inbox.has_more and inbox.shops == 1


def test_opening_the_inbox_reads_it_and_what_comes_later_is_unread(trade: Trade, session, client, app):
    owner_id = trade.owner.id
    assert messages.unread_count(session, owner_id) == 9  # type: ignore[arg-type]
    messages.open_inbox(session=session, owner_id=owner_id, page=1)  # type: ignore[arg-type]
    assert messages.unread_count(session, owner_id) == 0  # type: ignore[arg-type]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # after the marker the opening set
    trade.order("A3", 20_000, paid_at=later)
    assert messages.unread_count(session, owner_id, now=later) == 1  # type: ignore[arg-type]
    inbox = messages.open_inbox(session=session, owner_id=owner_id, page=1, now=later)  # type: ignore[arg-type]
    assert [(m.detail.get("order_ref"), m.unread) for m in inbox.messages[:2]] == [("A3", True), (None, False)]
    assert messages.unread_count(session, owner_id, now=later) == 0  # type: ignore[arg-type]


def test_an_older_page_leaves_the_read_marker_where_it_was(trade: Trade, session):
    owner_id = trade.owner.id
    second = messages.open_inbox(session=session, owner_id=owner_id, page=2, size=4)  # type: ignore[arg-type]
    assert [message.kind for message in second.messages] == ["payable", "payable", "tier", "order"]
    assert second.has_more and session.get(InboxMark, owner_id) is None
    third = messages.open_inbox(session=session, owner_id=owner_id, page=3, size=4)  # type: ignore[arg-type]
    assert [message.detail["order_ref"] for message in third.messages] == ["A1"] and not third.has_more


def test_the_unread_count_stops_past_ninety_nine(trade: Trade, session, monkeypatch):
    monkeypatch.setattr(messages, "UNREAD_SHOWN", 5)
    assert messages.unread_count(session, trade.owner.id) == 6  # type: ignore[arg-type]


def test_another_owner_hears_nothing_of_it(trade: Trade, session):
    stranger = make_user(session, Role.SHOP_OWNER)
    inbox = messages.open_inbox(session=session, owner_id=stranger.id, page=1)  # type: ignore[arg-type]
    assert not inbox.messages and messages.unread_count(session, stranger.id) == 0  # type: ignore[arg-type]


def test_the_page_tells_each_message_in_chinese_and_the_tab_counts_what_is_unread(trade: Trade, client):
    assert client.post("/login", data={"login": trade.owner.email, "password": PASSWORD}).status_code == 303
    assert 'hx-get="/my/messages/unread" hx-trigger="load"' in client.get("/my/me").get_data(as_text=True)
    badge = client.get("/my/messages/unread")
    assert badge.headers["Cache-Control"] == "no-store"
    assert badge.get_data(as_text=True) == (
        '<span class="count" aria-hidden="true">9</span><span class="visually-hidden">，有 9 条未读</span>'
    )
    html = client.get("/my/messages").get_data(as_text=True)
    for words in (
        "好友通过你分享到朋友圈的链接下单 ¥1,000.00。",
        "有人在你的小铺下单 ¥500.00。",
        "你的佣金 ¥120.00",
        "1 笔佣金过了售后期，共 ¥60.00 转入可结算",
        "¥120.00 已打到你的银行卡 **** 2233。",
        "¥60.00 打款失败：账户已冻结。",
        "按 2026-11 的业绩，等级从新晋掌柜变为资深掌柜",
        "「云南小粒咖啡豆 500g」已被平台下架：资质待复核。",
        "「云南小粒咖啡豆 500g」已恢复上架",
    ):
        assert words in html, words
    assert html.count('class="message unread"') == 9
    assert client.get("/my/messages/unread").get_data(as_text=True) == ""  # read on opening
    again = client.get("/my/messages").get_data(as_text=True)
    assert 'class="message unread"' not in again and again.count('class="message"') == 9


def test_no_one_signed_in_has_no_badge_rather_than_a_sign_in_page(client):
    answer = client.get("/my/messages/unread")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == ""


@pytest.mark.parametrize("query", ["page=0", "page=x", "page=1001"])
def test_a_page_the_inbox_did_not_make_is_not_found(client, session, query):
    owner = make_user(session, Role.SHOP_OWNER)
    assert client.post("/login", data={"login": owner.email, "password": PASSWORD}).status_code == 303
    answer = client.get(f"/my/messages?{query}")
    assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True)
