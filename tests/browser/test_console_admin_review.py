"""The admin console as an admin works through it at 1366×768: approving one supplier's application and rejecting
another's with a reason, suspending a supplier after seeing what it touches, editing the tier rules (a bad value
said on its field, then a good one saved) and dry-running a month's evaluation. Each screen passes axe-core."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_product, make_shop, make_supplier, make_user


def named_supplier(session: Session, app, name: str, *, approve: bool):
    user, supplier = make_supplier(session, app, approve=approve)
    supplier.company_name = name
    session.commit()
    return user, supplier


def test_an_admin_reviews_suppliers_suspends_one_and_edits_the_tier_rules(desk: Page, live_server: LiveServer):
    tag = secrets.token_hex(3)
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        admin = make_user(session, Role.ADMIN)
        newcomer, doubtful, seller = f"新来供应链{tag}", f"存疑贸易{tag}", f"老牌食品{tag}"
        named_supplier(session, app, newcomer, approve=False)
        named_supplier(session, app, doubtful, approve=False)
        seller_user, _ = named_supplier(session, app, seller, approve=True)
        product = make_product(session, app, seller_user)
        make_shop(session, app, carrying=[product])
        # A shop a year old at 资深 with no sales: a month's evaluation would move it down one tier.
        sleepy = make_shop(session, app)
        sleepy.created_at, sleepy.tier_code = dt.datetime.now(dt.UTC) - dt.timedelta(days=365), "senior"
        session.commit()

    sign_in(desk, live_server, admin.email)
    navigation = desk.get_by_role("navigation", name="控制台导航")
    navigation.get_by_role("link", name="供货商审核").click()
    expect(desk.get_by_role("heading", name="供货商审核", level=1)).to_be_visible()
    expect(desk.get_by_role("region", name=newcomer)).to_contain_text("¥1,000,000.00")
    check_accessibility(desk)
    save_screen(desk, "console-admin-applications")

    desk.get_by_role("button", name=f"通过 {newcomer} 的申请").click()
    expect(desk.get_by_role("status")).to_have_text("已通过申请。")
    expect(desk.get_by_role("region", name=newcomer)).to_have_count(0)

    application = desk.get_by_role("region", name=doubtful)
    application.get_by_role("button", name=f"拒绝 {doubtful} 的申请").click()
    application = desk.get_by_role("region", name=doubtful)
    expect(application.get_by_text("请填写理由")).to_be_visible()
    check_accessibility(desk)
    application.get_by_label("拒绝理由").fill("授权链路超过三级，且无可追溯进货记录")
    application.get_by_role("button", name=f"拒绝 {doubtful} 的申请").click()
    expect(desk.get_by_role("status")).to_have_text("已拒绝申请，理由已告知供货商。")

    navigation.get_by_role("link", name="供货商", exact=True).click()
    desk.get_by_label("公司名称或编号").fill(seller)
    desk.get_by_role("button", name="筛选").click()
    desk.get_by_role("link", name=seller).click()
    desk.get_by_role("link", name="暂停").click()
    effect = desk.get_by_role("region", name="确认前请看影响")
    expect(effect).to_contain_text("该供货商的 1 件商品（其中 1 件正在货源池）将立即离开货源池，1 家店铺将不再展示它们")
    check_accessibility(desk)
    save_screen(desk, "console-admin-supplier-suspend")
    desk.get_by_label("理由").fill("连续三次抽检不合格")
    desk.get_by_role("button", name="确认暂停").click()
    expect(desk.get_by_role("status")).to_contain_text("已暂停该供货商")
    expect(desk.get_by_role("heading", level=1)).to_contain_text("已暂停")
    check_accessibility(desk)

    navigation.get_by_role("link", name="等级规则").click()
    share = desk.get_by_label("资深掌柜 · 分成比例（%）")
    kept = share.input_value()
    share.fill("0")
    desk.get_by_role("button", name="保存为新版本").click()
    expect(desk.get_by_text("分成比例须大于 0% 且小于 100%")).to_be_visible()
    expect(desk.get_by_label("资深掌柜 · 分成比例（%）")).to_have_attribute("aria-invalid", "true")
    check_accessibility(desk)
    save_screen(desk, "console-admin-tier-rules-refused")
    desk.get_by_label("资深掌柜 · 分成比例（%）").fill(kept)  # the table as it was: other tests read it
    desk.get_by_role("button", name="保存为新版本").click()
    expect(desk.get_by_role("status")).to_contain_text("已保存为新版本")
    check_accessibility(desk)

    desk.get_by_role("button", name="试算").click()
    expect(desk.get_by_role("heading", name="月度评定", level=1)).to_be_visible()
    expect(desk.get_by_role("heading", name=re.compile("试算结果（未保存）"))).to_be_visible()
    expect(desk.get_by_role("link", name=sleepy.display_name)).to_be_visible()
    expect(desk.get_by_role("button", name="正式评定")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-admin-tier-dry-run")


def test_an_admin_finds_a_product_takes_it_down_and_looks_at_its_shop_and_owner(desk: Page, live_server: LiveServer):
    tag = secrets.token_hex(3)
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        admin = make_user(session, Role.ADMIN)
        supplier_user, _ = make_supplier(session, app)
        product = make_product(session, app, supplier_user, title=f"假冒面膜{tag}")
        shop = make_shop(session, app, carrying=[product])

    sign_in(desk, live_server, admin.email)
    navigation = desk.get_by_role("navigation", name="控制台导航")
    navigation.get_by_role("link", name="商品").click()
    desk.get_by_label("商品编号或标题").fill(tag)
    desk.get_by_role("button", name="查找").click()
    desk.get_by_role("link", name=product.title).click()
    expect(desk.get_by_text("下架后，商品立即离开货源池，1 家店铺不再展示它。")).to_be_visible()
    check_accessibility(desk)
    desk.get_by_label("理由").fill("品牌方投诉假冒")
    desk.get_by_role("button", name="确认下架").click()
    expect(desk.get_by_role("status")).to_contain_text("已下架该商品")
    check_accessibility(desk)
    save_screen(desk, "console-admin-product-taken-down")

    navigation.get_by_role("link", name="店铺").click()
    desk.get_by_label("店名、地址或编号").fill(shop.slug)
    desk.get_by_role("button", name="筛选").click()
    check_accessibility(desk)
    desk.get_by_role("link", name=shop.display_name).click()
    expect(desk.get_by_role("heading", name="暂停营业")).to_be_visible()
    check_accessibility(desk)
    desk.get_by_role("row", name=re.compile("^店主")).get_by_role("link").click()
    expect(desk.get_by_role("heading", name="可开店铺数")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-admin-user")
