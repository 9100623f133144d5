"""活动通知 on a 375×667 phone: an owner chooses on 我的 to be told of campaigns by WeChat subscribe message, and when
a campaign starts reads its broadcast in 消息, unread until opened, with a link to go and share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from distro.auth.models import Role
from distro.broadcasts import services
from tests.browser.conftest import LiveServer
from tests.browser.money_owner import session_on
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

KEY = "campaign:browser:start"


@pytest.fixture
def owner_email(live_server: LiveServer) -> Iterator[str]:
    """An owner of yesterday; the broadcast this test publishes is removed after it, so that no other test's owner
    finds it in their inbox."""
    with session_on(live_server) as session:
        owner = make_user(session, Role.SHOP_OWNER)
        owner.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        session.add(owner)
        session.commit()
        yield owner.email  # type: ignore[misc]
        session.execute(
            sa.text("DELETE FROM broadcast_chunks WHERE broadcast_id IN (SELECT id FROM broadcasts WHERE key = :key)"),
            {"key": KEY},
        )
        session.execute(sa.text("DELETE FROM broadcasts WHERE key = :key"), {"key": KEY})
        session.commit()


def test_an_owner_opts_in_on_me_and_reads_the_campaign_in_messages(page: Page, live_server: LiveServer, owner_email):
    sign_in(page, live_server, owner_email)
    page.goto(live_server.url + "/my/me")
    notices = page.get_by_role("group", name="活动通知")
    expect(notices.get_by_role("radio", name="不接收，只在「消息」里看")).to_be_checked()
    notices.get_by_role("radio", name="微信订阅消息").check()
    page.get_by_role("button", name="保存通知设置").click()
    expect(page.get_by_role("status")).to_have_text("已保存：微信订阅消息")
    expect(page.get_by_role("group", name="活动通知").get_by_role("radio", name="微信订阅消息")).to_be_checked()
    check_accessibility(page)
    save_screen(page, "owner-me-notices")

    with session_on(live_server) as session:
        services.publish(
            session=session,
            key=KEY,
            kind="campaign.started",
            title="10点整点秒杀开始",
            body="云南普洱茶限时 ¥59，佣金 30%，一小时内有效，快去分享。",
            link_path="/my/pool",
            visible_from=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        )
    page.reload()
    me = page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的")
    expect(me).to_have_accessible_name("我的 ，有 1 条未读")
    page.get_by_role("main").get_by_role("link", name="消息").click()
    message = page.locator("#messages > li.message.unread")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("10点整点秒杀开始")
    expect(message).to_contain_text("云南普洱茶限时 ¥59")
    expect(message.get_by_role("link", name="去看看")).to_have_attribute("href", "/my/pool")
    check_accessibility(page)
    save_screen(page, "owner-messages-broadcast")
    page.reload()
    expect(page.locator("#messages > li.message.unread")).to_have_count(0)
