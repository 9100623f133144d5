"""Every public URL distro hands out follows PUBLIC_BASE_URL, which in development follows BIND; distro's own
pictures are stored relative and shown absolute; demo providers stay in development."""

import io
import re

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from sqlmodel import Session, col

from distro.app import create_app
from distro.auth.models import Role
from distro.auth.services import find_user_by_email
from distro.db import engine_for
from distro.demo import load_demo_data
from distro.settings import ConfigurationError
from distro.share import services as share_services
from distro.share.images import image_source
from distro.shops.models import Shop, ShopProduct
from distro.storefront.models import Checkout
from distro.suppliers.models import Product
from tests.factories import add_to_shop, bearer, make_product, make_shop, make_supplier, make_user
from tests.unit.test_settings import PRODUCTION

PUBLIC = "http://127.0.0.1:8101"
# Any absolute URL in a page or an answer: each must be on the public address (or a third party's).
ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>)]+")


def urls_in(text: str) -> list[str]:
    return [url for url in ABSOLUTE_URL.findall(text) if not url.startswith("https://service.weibo.com/")]


def test_a_bind_on_another_port_moves_every_public_url(committed_db, server_urls, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": committed_db,
            "REDIS_URL": server_urls["redis"],
            "BIND": "0.0.0.0:8101",
            "VAR_DIR": str(tmp_path),
        }
    )
    assert app.config["PUBLIC_BASE_URL"] == PUBLIC
    with Session(engine_for(committed_db)) as session:
        assert load_demo_data(session=session, settings=app.config)
        session.commit()
        stored = [url for urls in session.scalars(sa.select(Product.image_urls)) for url in urls]
        owner = find_user_by_email(session, "owner@distro.demo")
        shop = session.scalars(sa.select(Shop).where(col(Shop.slug) == "xiaomei")).one()
        first_pick = session.scalars(
            sa.select(Product)
            .join(ShopProduct, col(ShopProduct.product_id) == Product.id)
            .where(col(ShopProduct.shop_id) == shop.id)
            .order_by(col(ShopProduct.position))
        ).first()
    assert stored and all(url.startswith("/images/demo-") for url in stored)
    client = app.test_client()

    shop_page = client.get("/shop/xiaomei").get_data(as_text=True)
    assert f'<meta property="og:url" content="{PUBLIC}/shop/xiaomei">' in shop_page
    assert f'<img class="thumb" src="{PUBLIC}/images/demo-' in shop_page
    product_page = client.get(f"/shop/xiaomei/p/{first_pick.id}").get_data(as_text=True)
    picture = f"{PUBLIC}{first_pick.image_urls[0]}"
    assert f'<meta property="og:image" content="{picture}">' in product_page
    assert f'<meta itemprop="image" content="{picture}">' in product_page
    assert client.get(first_pick.image_urls[0]).status_code == 200  # the picture is there to be had

    headers = bearer(app, owner)
    links = client.get(f"/api/v1/shops/{shop.id}/share-links", headers=headers).get_json()
    assert links and all(link["url"].startswith(f"{PUBLIC}/s/") for link in links)
    product_link = next(link for link in links if link["product_id"] is not None)
    kit = client.get(f"/api/v1/share-links/{product_link['id']}/kit", headers=headers)
    assert kit.get_json()["wechat"]["imgUrl"].startswith(f"{PUBLIC}/images/demo-")
    qr = client.get(f"/s/{product_link['code']}/qr.png")
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)))] == [product_link["url"]]
    public_shop = client.get("/api/v1/public/shops/xiaomei")
    pool = client.get("/api/v1/pool", headers=headers)

    for answer in (shop_page, product_page, kit.get_data(as_text=True), public_shop.get_data(as_text=True)):
        assert urls_in(answer) and all(url.startswith(PUBLIC) for url in urls_in(answer)), urls_in(answer)
    pictures = [url for item in pool.get_json() for url in item["image_urls"]]
    assert pictures and all(url.startswith(f"{PUBLIC}/images/") for url in pictures)

    with Session(engine_for(committed_db)) as session:
        card = share_services.poster_card(
            session,
            product_link["code"],
            share_url=product_link["url"],
            images=image_source(app.config),
        )
    assert len(card.images) == 1  # the poster reads the stored picture from disk, not the placeholder


# A product a supplier may create, but for its pictures.
GOJI = {
    "title": "枸杞",
    "category": "food_health",
    "price_fen": 3990,
    "other_platform_price_fen": 5900,
    "commission_rate_bp": 2500,
}


def test_a_supplier_may_name_distros_own_picture_relative_or_a_web_url_and_sees_them_absolute(client, app, session):
    user, _ = make_supplier(session, app)
    body = {**GOJI, "image_urls": ["/images/demo-01.png", "https://img.example.cn/gouqi.webp"]}
    created = client.post("/api/v1/supplier/products", json=body, headers=bearer(app, user))
    assert created.status_code == 201, created.get_json()
    base = app.config["PUBLIC_BASE_URL"]
    assert created.get_json()["image_urls"] == [f"{base}/images/demo-01.png", "https://img.example.cn/gouqi.webp"]
    assert session.get(Product, created.get_json()["id"]).image_urls == body["image_urls"]


@pytest.mark.parametrize(
    "url",
    ["ftp://img.example.cn/a.png", "/etc/passwd", "/images/../secret.png", "javascript:alert(1)", "img.example.cn"],
)
def test_a_picture_that_is_neither_distros_own_nor_a_web_url_is_refused(client, app, session, url):
    user, _ = make_supplier(session, app)
    response = client.post("/api/v1/supplier/products", json={**GOJI, "image_urls": [url]}, headers=bearer(app, user))
    assert response.status_code == 422
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [("image_urls.0", "invalid")]
    assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_the_demo_cashier_is_closed_once_another_provider_is_configured(client, app, session, monkeypatch):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    add_to_shop(session, app, owner, shop, product)
    form = {"quantity": "1", "name": "张三", "phone": "13812345678", "address": "上海市浦东新区世纪大道100号"}
    cashier = client.post(f"/shop/{shop.slug}/p/{product.id}/buy", data=form).headers["Location"]
    assert client.get(cashier).status_code == 200
    monkeypatch.setitem(app.config, "PAYMENT_PROVIDER", "wechat_pay")
    assert client.get(cashier).status_code == 404
    assert client.post(f"{cashier}/confirm").status_code == 404
    assert session.scalars(sa.select(Checkout.status)).one() != "paid"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"PAYMENT_PROVIDER": "demo"}, "DISTRO_PAYMENT_PROVIDER='demo'"),
        ({"SHOP_ELIGIBILITY": "credit_score", "CREDIT_SCORE_PROVIDER": "demo"}, "DISTRO_CREDIT_SCORE_PROVIDER='demo'"),
        ({"PUBLIC_BASE_URL": "http://127.0.0.1:8000"}, "DISTRO_PUBLIC_BASE_URL='http://127.0.0.1:8000'"),
    ],
)
def test_the_app_refuses_to_start_in_production_with_a_demo_provider_or_a_loopback_address(
    database_url, server_urls, monkeypatch, change, says
):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=re.escape(says)):
        create_app({"DATABASE_URL": database_url, "REDIS_URL": server_urls["redis"], **change})
