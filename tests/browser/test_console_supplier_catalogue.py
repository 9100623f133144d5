"""A new supplier at 1366×768: applies with a licence picture, is approved, publishes a product with two SKUs and
a picture, delists and lists it, and sets its commission watching the preview change as the rate is typed."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from distro.auth.models import Role, User
from distro.db import engine_for
from distro.suppliers import services
from distro.suppliers.rules import SupplierAction
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_user


def a_picture(folder: Path, name: str, colour: str) -> Path:
    path = folder / name
    Image.new("RGB", (900, 700), colour).save(path)
    return path


def approve(live_server: LiveServer, email: str) -> None:
    """The admin's decision, through the same service the admin's API calls."""
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        admin = make_user(session, Role.ADMIN)
        supplier_user = session.exec(select(User).where(User.email == email)).one()
        supplier = services.get_own_supplier(session, supplier_user.id)
        services.decide(
            session=session, supplier_id=supplier.id, action=SupplierAction.APPROVE, reason=None, admin_id=admin.id
        )


def test_a_new_supplier_applies_publishes_a_product_and_sets_its_commission(
    desk: Page, live_server: LiveServer, tmp_path: Path
):
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier = make_user(session, Role.SUPPLIER)
    sign_in(desk, live_server, supplier.email)
    menu = desk.get_by_role("navigation", name="控制台导航")
    menu.get_by_role("link", name="资质申请").click()

    # 资质申请: the qualifications and the licence picture.
    expect(desk.get_by_role("heading", name="供货商入驻申请")).to_be_visible()
    desk.get_by_label("公司名称").fill("杭州好物供应链有限公司")
    desk.get_by_label("注册资本（元）").fill("5000000")
    desk.get_by_role("group", name="是否一般纳税人").get_by_label("是").check()
    desk.get_by_label("承诺缴纳的保证金（元）").fill("10000")
    desk.get_by_label("品牌授权链路级数（品牌方自己为 1）").fill("2")
    desk.get_by_label("营业执照").set_input_files(a_picture(tmp_path, "licence.png", "white"))
    check_accessibility(desk)
    save_screen(desk, "console-supplier-application")
    desk.get_by_role("button", name="提交申请").click()
    expect(desk.get_by_text("申请已提交")).to_be_visible()
    expect(desk.get_by_text("审核中", exact=True)).to_be_visible()
    expect(desk.get_by_role("link", name="licence.png")).to_be_visible()
    check_accessibility(desk)

    approve(live_server, supplier.email)
    desk.reload()
    expect(desk.get_by_text("已通过", exact=True)).to_be_visible()

    # 商品: a product with two SKUs and a picture.
    menu.get_by_role("link", name="商品").click()
    desk.get_by_role("link", name="发布商品").click()
    desk.get_by_label("标题").fill("云南高山红茶")
    desk.get_by_label("类目").select_option(label="食品保健")
    desk.get_by_label("售价（元）", exact=True).fill("89.90")
    desk.get_by_label("其他平台售价（元，售价不能高于它）").fill("109")
    desk.get_by_label("佣金比例（%）").fill("20")
    desk.get_by_label("规格 1 规格名").fill("100g 罐装")
    desk.get_by_label("规格 1 售价（元）").fill("39.90")
    desk.get_by_label("规格 1 库存").fill("30")
    desk.get_by_role("button", name="添加规格").click()
    desk.get_by_label("规格 2 规格名").fill("250g 礼盒")
    desk.get_by_label("规格 2 售价（元）").fill("89.90")
    desk.get_by_label("规格 2 库存").fill("20")
    desk.get_by_label(re.compile("上传图片")).set_input_files(a_picture(tmp_path, "tea.png", "darkgreen"))
    check_accessibility(desk)
    save_screen(desk, "console-supplier-product-new")
    desk.get_by_role("button", name="发布", exact=True).click()
    expect(desk.get_by_text("已保存。")).to_be_visible()
    expect(desk.get_by_role("img", name="图片 1")).to_be_visible()
    expect(desk.get_by_label("规格 2 规格名")).to_have_value("250g 礼盒")
    check_accessibility(desk)

    # The list: delist, then list again (htmx swaps the row).
    menu.get_by_role("link", name="商品").click()
    row = desk.get_by_role("row").filter(has_text="云南高山红茶")
    expect(row).to_contain_text("已上架")
    expect(row).to_contain_text("50")  # the stock is the SKUs' sum
    row.get_by_role("button", name="下架 云南高山红茶").click()
    expect(row).to_contain_text("已下架")
    row.get_by_role("button", name="上架 云南高山红茶").click()
    expect(row).to_contain_text("已上架")
    check_accessibility(desk)
    save_screen(desk, "console-supplier-products")

    # 佣金设置: the preview follows the rate as it is typed; then it is saved into the history.
    menu.get_by_role("link", name="佣金设置").click()
    desk.get_by_role("link", name="设置 云南高山红茶 的佣金").click()
    preview = desk.locator("#rate-preview")
    expect(preview).to_contain_text("每单佣金支出 ¥17.98")
    desk.get_by_label("佣金比例（%）").fill("30")
    expect(preview).to_contain_text("每单佣金支出 ¥26.97")
    desk.get_by_label("佣金比例（%）").fill("80")
    expect(preview).to_contain_text("佣金比例不能高于平台上限 50%")
    desk.get_by_label("佣金比例（%）").fill("30")
    expect(preview).to_contain_text("每单佣金支出 ¥26.97")
    check_accessibility(desk)
    save_screen(desk, "console-supplier-rate")
    desk.get_by_role("button", name="保存佣金").click()
    expect(desk.get_by_text("佣金已设为 30%")).to_be_visible()
    history = desk.get_by_role("table").last
    expect(history.get_by_role("row").nth(1)).to_contain_text("30%")
    expect(history.get_by_role("row").nth(1)).to_contain_text("20%")
    check_accessibility(desk)
