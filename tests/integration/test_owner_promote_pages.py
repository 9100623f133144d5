"""推广 in the owner app (distro/owner/promote.py): choose the shop or a product and a channel, get its link's poster,
copy text, QR code, short link and share sheet, the same kit the API gives; WeChat's wx.config signed on the page's
public address; buyers' landing pages with their share meta tags on the public address."""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.share.models import ShareLink
from distro.share.resolver import cache_redis
from distro.share.wechat_sdk import DEMO_APP_ID, DEMO_TICKET, signature, wechat_sdk
from distro.suppliers import takedown
from distro.urls import LOCAL_IMAGE_PATH
from tests.factories import PASSWORD, add_to_shop, bearer, make_product, make_shop, make_supplier, make_user

HOST = "localhost"  # what the test client sends as Host; PUBLIC_BASE_URL is http://127.0.0.1:8000
NOT_YOURS = "不属于你的账户"


@pytest.fixture
def shop(app, session, client):
    """A signed-in owner's shop carrying a face mask (with a picture) and a kettle, in that order."""
    supplier_user, _ = make_supplier(session, app)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, name="小美好物", slug="xiaomei")
    mask = make_product(
        session,
        app,
        supplier_user,
        title="玻尿酸补水面膜",
        price_fen=5_900,
        other_platform_price_fen=9_900,
        image_urls=[f"{LOCAL_IMAGE_PATH}mask.png"],
    )
    kettle = make_product(
        session, app, supplier_user, title="不锈钢电热水壶", price_fen=12_900, other_platform_price_fen=15_900
    )
    add_to_shop(session, app, owner, shop, mask, reason="天天用")
    add_to_shop(session, app, owner, shop, kettle, reason="烧水快")
    assert client.post("/login", data={"login": owner.email, "password": PASSWORD}).status_code == 303
    return {"owner": owner, "shop": shop, "mask": mask, "kettle": kettle, "supplier_user": supplier_user}


def share(client, shop_id, product_id, channel) -> str:
    """Post the 推广 form; the materials page it leads to."""
    answer = client.post("/my/promote/links", data={"shop": shop_id, "product": product_id or "", "channel": channel})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return answer.headers["Location"]


def wechat_data(page: str) -> dict | None:
    found = re.search(r'<script type="application/json" id="wechat-share">(.*?)</script>', page, re.S)
    return json.loads(found.group(1)) if found else None


def test_promote_offers_the_whole_shop_each_product_and_the_four_channels(client, shop):
    page = client.get("/my/promote").get_data(as_text=True)
    for text in ("整个店铺", "玻尿酸补水面膜", "¥59.00", "不锈钢电热水壶", "微信好友", "朋友圈", "微博", "小红书"):
        assert text in page, text
    assert page.index("玻尿酸补水面膜") < page.index("不锈钢电热水壶")  # in the owner's order
    assert f'src="{LOCAL_IMAGE_PATH}mask.png"' in page
    assert 'aria-current="page"' in page and page.count('name="csrf_token"') == 1


def test_an_owner_without_a_shop_is_told_to_open_one_first(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    client.post("/login", data={"login": owner.email, "password": PASSWORD})
    page = client.get("/my/promote")
    assert page.status_code == 200 and "你还没有店铺" in page.get_data(as_text=True)


def test_sharing_a_product_on_a_channel_makes_its_link_once_and_coming_back_reuses_it(client, session, shop):
    first = share(client, shop["shop"].id, shop["mask"].id, "wechat_moments")
    assert share(client, shop["shop"].id, shop["mask"].id, "wechat_moments") == first
    other_channel = share(client, shop["shop"].id, shop["mask"].id, "xiaohongshu")
    whole_shop = share(client, shop["shop"].id, None, "wechat_moments")
    assert len({first, other_channel, whole_shop}) == 3
    links = session.execute(sa.select(ShareLink).order_by(ShareLink.id)).scalars().all()
    assert [(link.product_id, link.channel) for link in links] == [
        (shop["mask"].id, "wechat_moments"),
        (shop["mask"].id, "xiaohongshu"),
        (None, "wechat_moments"),
    ]
    assert first == f"/my/promote/links/{links[0].id}"


def test_the_materials_are_the_kit_the_api_gives_with_the_poster_the_qr_code_and_the_short_link(app, client, shop):
    path = share(client, shop["shop"].id, shop["mask"].id, "wechat_moments")
    link_id = int(path.rsplit("/", 1)[1])
    kit = client.get(f"/api/v1/share-links/{link_id}/kit", headers=bearer(app, shop["owner"])).get_json()
    page = html.unescape(client.get(path).get_data(as_text=True))
    assert kit["url"].startswith("http://127.0.0.1:8000/s/")  # on PUBLIC_BASE_URL, whatever the Host said
    assert f">{kit['copy_text']}</textarea>" in page and "一键复制" in page and "已复制" in page
    assert f'src="{kit["poster_url"]}"' in page and f'src="{kit["qr_svg_url"]}"' in page
    assert f'value="{kit["url"]}"' in page and f'href="{kit["url"]}"' in page
    assert f'href="/my/promote/links/{link_id}/poster"' in page
    for channel in ("微信好友", "朋友圈", "微博", "小红书"):
        assert f"<summary>{channel}</summary>" in page, channel
    assert '<details class="sheet" open>\n    <summary>朋友圈</summary>' in page  # the chosen channel's, opened
    assert "长按海报，选择「保存图片」" in page and "发朋友圈时选择海报图片，并粘贴文案" in page
    assert f'href="{kit["weibo_intent_url"]}"' in page
    assert page.count('aria-current="page"') == 1  # under the 推广 tab


def test_the_poster_opens_full_screen_to_long_press_or_download_without_the_tab_bar(client, shop):
    path = share(client, shop["shop"].id, None, "xiaohongshu")
    page = client.get(f"{path}/poster").get_data(as_text=True)
    code = re.search(r"/s/(\w+)/poster\.png", page).group(1)  # type: ignore[union-attr]
    assert f'class="poster-full" src="http://127.0.0.1:8000/s/{code}/poster.png"' in page
    assert f'href="http://127.0.0.1:8000/s/{code}/poster.png" download>' in page and "长按图片" in page
    assert 'class="tabbar"' not in page
    saved = client.get(f"/s/{code}/poster.png").headers["Content-Disposition"]
    assert saved == f"inline; filename=poster-{code}.png"  # what the download is saved as


def test_a_missing_or_unknown_channel_is_a_chinese_message_on_the_form(client, shop):
    for sent in ({}, {"channel": "momo"}, {"channel": "<script>"}):
        answer = client.post("/my/promote/links", data={"shop": shop["shop"].id, "product": "", **sent})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422 and 'id="channel-error">请选择发到哪里<' in page, sent
        assert "玻尿酸补水面膜" in page  # the choices are still there to pick from


def test_another_owners_shop_product_or_link_is_not_found(app, client, session, shop):
    stranger = make_user(session, Role.SHOP_OWNER)
    their_shop = make_shop(session, app, stranger)
    their_product = make_product(session, app, shop["supplier_user"], title="别人的商品")
    add_to_shop(session, app, stranger, their_shop, their_product)
    mine = share(client, shop["shop"].id, shop["mask"].id, "weibo")
    client.post("/logout")
    client.post("/login", data={"login": stranger.email, "password": PASSWORD})
    theirs = share(client, their_shop.id, None, "weibo")
    client.post("/logout")
    client.post("/login", data={"login": shop["owner"].email, "password": PASSWORD})
    refused = [
        client.get(f"/my/promote?shop={their_shop.id}"),
        client.post("/my/promote/links", data={"shop": their_shop.id, "product": "", "channel": "weibo"}),
        client.post(
            "/my/promote/links", data={"shop": shop["shop"].id, "product": their_product.id, "channel": "weibo"}
        ),
        client.get(theirs),
        client.get(f"{theirs}/poster"),
    ]
    for answer in refused:
        assert answer.status_code == 404 and NOT_YOURS in answer.get_data(as_text=True), answer.request.path
    assert client.get(mine).status_code == 200


@pytest.mark.parametrize(
    "query", ["shop=abc", "shop=0", "page=0", "page=99999999999999999999", "product=-1", "shop=99999999999999999999"]
)
def test_an_address_no_page_has_is_not_found_never_an_error(client, shop, query):
    answer = client.get(f"/my/promote?{query}")
    assert answer.status_code == 404 and NOT_YOURS in answer.get_data(as_text=True)


def test_a_form_without_the_pages_csrf_token_changes_nothing(client, session, shop):
    answer = client.post(
        "/my/promote/links", data={"shop": shop["shop"].id, "product": "", "channel": "weibo", "csrf_token": ""}
    )
    assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)
    assert session.execute(sa.select(sa.func.count()).select_from(ShareLink)).scalar() == 0


def test_more_than_a_page_of_products_goes_on_to_the_next_page(app, client, session, shop):
    for _ in range(20):
        add_to_shop(session, app, shop["owner"], shop["shop"], make_product(session, app, shop["supplier_user"]))
    first = client.get("/my/promote").get_data(as_text=True)
    assert first.count('name="product" value="') == 21 and "下一页" in first and "上一页" not in first
    second = client.get(f"/my/promote?shop={shop['shop'].id}&page=2").get_data(as_text=True)
    assert second.count('name="product" value="') == 3 and "上一页" in second and "下一页" not in second


def test_the_demo_signs_wx_config_on_the_pages_public_address_and_says_it_is_a_demo(client, shop):
    path = share(client, shop["shop"].id, shop["mask"].id, "wechat_chat")
    page = client.get(path, headers={"Host": HOST}).get_data(as_text=True)
    data = wechat_data(page)
    assert data is not None and data["demo"] is True and "演示" in page
    config = data["config"]
    assert config["appId"] == DEMO_APP_ID and config["jsApiList"] == [
        "updateAppMessageShareData",
        "updateTimelineShareData",
    ]
    assert config["signature"] == signature(
        ticket=DEMO_TICKET,
        nonce_str=config["nonceStr"],
        timestamp=config["timestamp"],
        url=f"http://127.0.0.1:8000{path}",  # PUBLIC_BASE_URL, not the Host header
    )
    assert data["share"]["title"] == "玻尿酸补水面膜" and data["share"]["desc"] == "天天用"
    assert data["share"]["imgUrl"] == f"http://127.0.0.1:8000{LOCAL_IMAGE_PATH}mask.png"


def test_the_official_account_signs_with_the_ticket_its_token_holder_keeps_in_redis(
    app, client, shop, redis, monkeypatch
):
    settings = {**app.config, "WECHAT_SDK_PROVIDER": "official_account", "WECHAT_APP_ID": "wx0123456789abcdef"}
    monkeypatch.setitem(app.extensions, "distro.wechat_sdk", wechat_sdk(settings, cache_redis))
    path = share(client, shop["shop"].id, None, "wechat_chat")
    assert wechat_data(client.get(path).get_data(as_text=True)) is None  # no ticket yet: no card, still the page
    redis.set(settings["WECHAT_JSAPI_TICKET_KEY"], "kgt8ON7yVITDhtdwci0qeVXs")
    page = client.get(f"{path}?from=singlemessage").get_data(as_text=True)
    data = wechat_data(page)
    assert data is not None and data["demo"] is False and "演示" not in page
    assert data["config"]["appId"] == "wx0123456789abcdef"
    assert data["config"]["signature"] == signature(
        ticket="kgt8ON7yVITDhtdwci0qeVXs",
        nonce_str=data["config"]["nonceStr"],
        timestamp=data["config"]["timestamp"],
        url=f"http://127.0.0.1:8000{path}?from=singlemessage",
    )


def test_with_the_sdk_off_the_page_carries_no_config(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.extensions, "distro.wechat_sdk", wechat_sdk({"WECHAT_SDK_PROVIDER": "off"}, cache_redis))
    page = client.get(share(client, shop["shop"].id, None, "weibo")).get_data(as_text=True)
    assert wechat_data(page) is None and "一键复制" in page


def test_buyers_landing_pages_carry_share_meta_tags_on_the_public_address_whatever_the_host(client, shop):
    product = client.get(f"/shop/xiaomei/p/{shop['mask'].id}", headers={"Host": HOST}).get_data(as_text=True)
    assert '<meta property="og:title" content="玻尿酸补水面膜">' in product
    assert '<meta property="og:description" content="天天用">' in product
    assert f'<meta property="og:image" content="http://127.0.0.1:8000{LOCAL_IMAGE_PATH}mask.png">' in product
    assert f'<meta property="og:url" content="http://127.0.0.1:8000/shop/xiaomei/p/{shop["mask"].id}">' in product
    whole = client.get("/shop/xiaomei", headers={"Host": HOST}).get_data(as_text=True)
    assert '<meta property="og:title" content="小美好物的小铺">' in whole
    assert f'<meta property="og:image" content="http://127.0.0.1:8000{LOCAL_IMAGE_PATH}mask.png">' in whole
    assert f'<meta itemprop="image" content="http://127.0.0.1:8000{LOCAL_IMAGE_PATH}mask.png">' in whole
    assert "localhost" not in product + whole


def test_a_links_materials_still_open_when_its_product_has_left_the_pool_and_say_it_is_off_sale(client, session, shop):
    admin = make_user(session, Role.ADMIN)
    path = share(client, shop["shop"].id, shop["mask"].id, "wechat_moments")
    takedown.take_down(session=session, product_id=shop["mask"].id, reason="资质过期", admin_id=admin.id)
    answer = client.get(path)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert '<h2 id="what">玻尿酸补水面膜</h2>' in page
    assert "这件商品已下架，买家打开链接会看到下架提示" in page and "¥59.00" not in page
    takedown.restore(session=session, product_id=shop["mask"].id, reason="资质已更新", admin_id=admin.id)
    back = client.get(path).get_data(as_text=True)
    assert "¥59.00" in back and "已下架" not in back
