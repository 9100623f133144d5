"""A supplier's distributors: 分销店铺 shows what each shop sold of its goods over 30 days, and a supplier stops a
shop carrying its goods with a reason (停止合作): the goods leave the shop's storefront, the shop cannot pick them
again, the owner is told in 消息; resuming puts them back; another supplier can do none of it."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.errors import NotFound, ValidationFailed
from distro.owner import messages
from distro.shops import services as shops
from distro.shops.models import ShopProduct
from distro.shops.rules import ShopPolicy
from distro.suppliers import distributors
from distro.suppliers import services as suppliers
from distro.suppliers.rules import SupplierAction
from tests.console_supplier import sign_in, supplier_user_of
from tests.factories import make_product, make_supplier
from tests.finance_books import form_token
from tests.owner_money import new_trade

PAGE = "/console/supplier/shops"


def storefront(session, shop) -> list[int]:
    """The products a buyer sees on the shop's page."""
    _, items = shops.public_shop(session, shop.slug)
    return [item[0].id for item in items]


def test_a_shop_stopped_loses_the_suppliers_goods_and_its_owner_is_told(client, app, session):
    trade = new_trade(client, app, session, shop_name="小美好物")
    supplier_user = supplier_user_of(session, trade.product)
    other_user, _ = make_supplier(session, app)
    theirs = make_product(session, app, other_user, title="别家的茶")
    shops.add_product(
        session=session,
        owner_id=trade.owner.id,
        shop_id=trade.shop.id,
        product_id=theirs.id,
        reason="好喝",
        policy=ShopPolicy.from_settings(app.config),
    )
    assert set(storefront(session, trade.shop)) == {trade.product.id, theirs.id}
    sign_in(client, supplier_user)
    token = form_token(client, PAGE)
    short = client.post(f"{PAGE}/{trade.shop.id}/stop", data={"csrf_token": token, "reason": "差"})
    assert short.status_code == 422 and "请填写 2 到 200 字的停止合作原因" in short.get_data(as_text=True)
    stopped = client.post(f"{PAGE}/{trade.shop.id}/stop", data={"csrf_token": token, "reason": "多次违规低价宣传"})
    assert stopped.status_code == 303
    assert storefront(session, trade.shop) == [theirs.id]
    page = client.get(PAGE).get_data(as_text=True)
    assert "已停止合作：多次违规低价宣传" in page and "恢复与" in page
    inbox = messages.open_inbox(session=session, owner_id=trade.owner.id, page=1)
    [told] = [message for message in inbox.messages if message.kind == "supplier.stopped"]
    assert told.detail["reason"] == "多次违规低价宣传" and told.detail["products"] == 1


def test_a_stopped_shop_cannot_pick_the_suppliers_goods_again_until_it_resumes(client, app, session):
    trade = new_trade(client, app, session)
    supplier_user = supplier_user_of(session, trade.product)
    policy = ShopPolicy.from_settings(app.config)
    distributors.stop_shop(session=session, user_id=supplier_user.id, shop_id=trade.shop.id, reason="拖欠售后")
    with pytest.raises(ValidationFailed) as refused:
        shops.add_product(
            session=session,
            owner_id=trade.owner.id,
            shop_id=trade.shop.id,
            product_id=trade.product.id,
            reason="",
            policy=policy,
        )
    assert refused.value.errors[0].rule == "supplier_stopped"
    session.rollback()
    again = distributors.stop_shop(session=session, user_id=supplier_user.id, shop_id=trade.shop.id, reason="再说一次")
    assert again.reason == "拖欠售后"  # the first reason stands
    distributors.resume_shop(session=session, user_id=supplier_user.id, shop_id=trade.shop.id, max_products=1000)
    assert session.get(ShopProduct, (trade.shop.id, trade.product.id)) is not None
    assert storefront(session, trade.shop) == [trade.product.id]
    kinds = [m.kind for m in messages.open_inbox(session=session, owner_id=trade.owner.id, page=1).messages]
    assert "supplier.resumed" in kinds and "supplier.stopped" in kinds


def test_the_owner_app_refuses_the_pick_in_chinese(client, app, session):
    trade = new_trade(client, app, session)
    supplier_user = supplier_user_of(session, trade.product)
    distributors.stop_shop(session=session, user_id=supplier_user.id, shop_id=trade.shop.id, reason="拖欠售后")
    sign_in(client, trade.owner)
    answer = client.post("/my/picks", data={"product_id": trade.product.id, "shop_id": trade.shop.id})
    assert answer.status_code == 422 and "供货商已停止与你的小铺合作" in answer.get_data(as_text=True)
    inbox = client.get("/my/messages").get_data(as_text=True)
    assert "供货商停止合作" in inbox and "拖欠售后" in inbox


def test_another_supplier_cannot_stop_a_shop_for_goods_not_its_own(client, app, session):
    trade = new_trade(client, app, session)
    other_user, _ = make_supplier(session, app)
    make_product(session, app, other_user)
    with pytest.raises(NotFound):
        distributors.stop_shop(session=session, user_id=other_user.id, shop_id=trade.shop.id, reason="不想合作")
    session.rollback()
    sign_in(client, other_user)
    token = form_token(client, PAGE)
    answer = client.post(f"{PAGE}/{trade.shop.id}/stop", data={"csrf_token": token, "reason": "不想合作"})
    assert answer.status_code == 404
    assert client.post(f"{PAGE}/{trade.shop.id}/resume", data={"csrf_token": token}).status_code == 404
    assert storefront(session, trade.shop) == [trade.product.id]


def test_each_shop_shows_what_it_sold_of_the_goods_over_the_last_30_days_with_its_commission(client, app, session):
    trade = new_trade(client, app, session, shop_name="小美好物")
    now = dt.datetime.now(dt.UTC)
    trade.order("R1", 100_000, paid_at=now - dt.timedelta(days=2))
    trade.order("OLD", 100_000, paid_at=now - dt.timedelta(days=45), buyer="b9")
    sign_in(client, supplier_user_of(session, trade.product))
    page = client.get(PAGE).get_data(as_text=True)
    assert "近 30 天" in page
    assert "¥1,000.00" in page and "¥200.00" in page  # one order in the window; its 20% commission pool
    assert "¥2,000.00" not in page


def test_owners_are_told_when_the_platform_suspends_reinstates_or_removes_a_supplier_whose_goods_they_carry(
    client, app, session
):
    trade = new_trade(client, app, session)
    supplier_id = trade.product.supplier_id
    for action in (SupplierAction.SUSPEND, SupplierAction.REINSTATE, SupplierAction.REMOVE):
        suppliers.decide(session=session, supplier_id=supplier_id, action=action, reason="资质复核", admin_id=None)
    inbox = messages.open_inbox(session=session, owner_id=trade.owner.id, page=1)
    told = [(m.kind, m.detail["products"]) for m in inbox.messages if m.kind.startswith("supplier.")]
    assert told == [("supplier.remove", 1), ("supplier.reinstate", 1), ("supplier.suspend", 1)]
    assert all("reason" not in m.detail for m in inbox.messages if m.kind.startswith("supplier."))
    other = new_trade(client, app, session, shop_name="别家小铺")  # carries another supplier's goods: told nothing
    assert not [
        m
        for m in messages.open_inbox(session=session, owner_id=other.owner.id, page=1).messages
        if m.kind.startswith("supplier.")
    ]
    sign_in(client, trade.owner)
    page = client.get("/my/messages").get_data(as_text=True)
    assert (
        "供货商暂停供货" in page and "供货商恢复供货" in page and "已停止在平台供货" in page and "资质复核" not in page
    )
