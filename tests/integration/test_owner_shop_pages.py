"""Opening a shop on the app, the name's rules shown as the owner types, and the shop's logo, 简介, link and QR."""

from __future__ import annotations

import io

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from distro.auth.models import Role
from distro.shops.models import Shop
from tests.factories import PASSWORD, make_shop, make_user

HTMX = {"HX-Request": "true"}


def signed_in_owner(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    assert client.post("/login", data={"login": owner.email, "password": PASSWORD}).status_code == 303
    return owner


def picture(size=(640, 480), colour="orange", kind="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind)
    return out.getvalue()


def test_an_owner_without_a_shop_is_led_to_open_one(client, session):
    signed_in_owner(client, session)
    assert client.get("/my/shop").headers["Location"] == "/my/shop/new"
    home = client.get("/my").get_data(as_text=True)
    assert 'href="/my/shop/new"' in home and "开一家小铺" in home


def test_each_naming_rule_is_shown_kept_or_broken_as_the_owner_types(client, session):
    signed_in_owner(client, session)
    make_shop(session, client.application, name="小美好物")
    checks = client.post("/my/shop/check", data={"name": "小美旗舰店的小铺"}, headers=HTMX).get_data(as_text=True)
    assert '<li class="ok">2 到 20 个字（现在 8 个）' in checks
    assert '<li class="bad">不含「旗舰」「专卖」' in checks and '<li class="bad">不用写「的小铺」' in checks
    assert "店名没有被使用" not in checks and "已被使用" not in checks  # only a name keeping the rules is looked up
    taken = client.post("/my/shop/check", data={"name": "小美好物"}, headers=HTMX).get_data(as_text=True)
    assert '<li class="bad">这个店名已被使用，换一个吧' in taken and "<strong>小美好物的小铺</strong>" in taken
    free = client.post("/my/shop/check", data={"name": "  小美  的好物 "}, headers=HTMX).get_data(as_text=True)
    assert '<li class="ok">店名没有被使用' in free and "<strong>小美 的好物的小铺</strong>" in free
    assert '<li class="bad">2 到 20 个字（现在 1 个）' in client.post("/my/shop/check", data={"name": "美"}).get_data(
        as_text=True
    )


def test_the_naming_rules_quote_the_forbidden_words_as_the_pages_language_does(client, session):
    signed_in_owner(client, session)
    english = {"Accept-Language": "en"}
    checks = client.post("/my/shop/check", data={"name": "美妆旗舰"}, headers={**HTMX, **english})
    checks = checks.get_data(as_text=True)
    assert "Without “旗舰”, “专卖”" in checks and "」" not in checks and "「" not in checks
    refused = client.post("/my/shop/new", data={"name": "美妆专卖"}, headers=english).get_data(as_text=True)
    assert "The name may not contain “旗舰”, “专卖”" in refused
    hint = client.get("/my/shop/new", headers=english).get_data(as_text=True)
    assert "without “旗舰”, “专卖”;" in hint


def test_opening_a_shop_applies_the_apis_rules_and_leads_to_its_link_and_qr_code(client, session):
    owner = signed_in_owner(client, session)
    refused = client.post("/my/shop/new", data={"name": "美妆专卖"})
    assert refused.status_code == 422 and "店名不能含有「旗舰」「专卖」" in refused.get_data(as_text=True)
    opened = client.post("/my/shop/new", data={"name": "小美的好物"})
    shop = session.scalars(sa.select(Shop).where(Shop.owner_id == owner.id)).one()
    assert opened.status_code == 303 and opened.headers["Location"] == f"/my/shop?shop={shop.id}&opened=1"
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    url = f"http://127.0.0.1:8000/shop/{shop.slug}"
    assert "开店成功" in page and "小美的好物的小铺" in page and f'href="{url}"' in page
    with Image.open(io.BytesIO(client.get(f"/my/shop/{shop.id}/qr.png").data)) as qr:
        assert [found.text for found in zxingcpp.read_barcodes(qr)] == [url]
    second = client.post("/my/shop/new", data={"name": "小美的第二家店"})
    assert second.status_code == 422 and "你的店铺数已到上限" in second.get_data(as_text=True)


def test_a_logo_and_an_introduction_show_on_the_shops_page_for_buyers(client, session):
    owner = signed_in_owner(client, session)
    shop = make_shop(session, client.application, owner)
    saved = client.post(
        f"/my/shop/{shop.id}/profile",
        data={"intro": "  宝妈自用，只推荐自己用过的好物。 ", "logo": (io.BytesIO(picture()), "logo.jpg")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303
    session.refresh(shop)
    assert shop.intro == "宝妈自用，只推荐自己用过的好物。" and shop.logo_url.startswith(f"/images/shop-{shop.id}-")
    logo = client.get(shop.logo_url)
    with Image.open(io.BytesIO(logo.data)) as image:
        assert image.format == "PNG" and image.size == (256, 256)
    buyers = client.get(f"/shop/{shop.slug}").get_data(as_text=True)
    assert "宝妈自用，只推荐自己用过的好物。" in buyers and shop.logo_url in buyers


def test_a_logo_that_is_no_picture_or_an_introduction_too_long_is_refused_beside_its_field(client, session):
    owner = signed_in_owner(client, session)
    shop = make_shop(session, client.application, owner)
    refused = client.post(
        f"/my/shop/{shop.id}/profile",
        data={"intro": "好" * 201, "logo": (io.BytesIO(b"GIF89a not really"), "logo.gif")},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "简介最多 200 字" in page
    not_a_picture = client.post(
        f"/my/shop/{shop.id}/profile",
        data={"intro": "好", "logo": (io.BytesIO(b"GIF89a not really"), "logo.gif")},
        content_type="multipart/form-data",
    )
    assert not_a_picture.status_code == 422 and "请选择 PNG、JPEG 或 WebP 图片" in not_a_picture.get_data(as_text=True)
    session.refresh(shop)
    assert shop.intro == "" and shop.logo_url is None


def test_another_owners_shop_is_not_found_on_any_shop_page(client, session):
    signed_in_owner(client, session)
    theirs = make_shop(session, client.application)
    for answer in (
        client.get(f"/my/shop?shop={theirs.id}"),
        client.get(f"/my/shop/{theirs.id}/qr.png"),
        client.post(f"/my/shop/{theirs.id}/profile", data={"intro": "抢来的"}),
    ):
        assert answer.status_code == 404 and "不属于你的账户" in answer.get_data(as_text=True)
    session.refresh(theirs)
    assert theirs.intro == ""
