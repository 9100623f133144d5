"""商品 in the supplier console: the supplier's own products a page at a time, created and edited with SKUs and
uploaded pictures, listed and delisted, over the API's services; bad input refused on its field."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from distro.auth.models import Role
from distro.console import lists
from distro.suppliers import services
from distro.suppliers.models import Product, ProductSku
from distro.suppliers.rules import SupplierAction
from tests.factories import PASSWORD, make_product, make_supplier, make_user

HTMX = {"HX-Request": "true"}
NEW = {
    "title": "云南高山红茶 250g",
    "category": "food_health",
    "price_fen": "89.90",
    "other_platform_price_fen": "109",
    "stock": "50",
    "commission_rate_bp": "20",
    "description": "头春采摘",
}


def signed_in(client, user):
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303
    return user


def picture(kind="PNG", size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, format=kind)
    return out.getvalue()


def products_of(session, supplier) -> list[Product]:
    query = sa.select(Product).where(Product.supplier_id == supplier.id).order_by(Product.id)
    return list(session.execute(query).scalars())


def skus_of(session, product) -> list[ProductSku]:
    query = sa.select(ProductSku).where(ProductSku.product_id == product.id).order_by(ProductSku.id)
    return list(session.execute(query).scalars())


def test_a_product_is_created_with_two_skus_and_a_picture_distro_keeps_as_its_own_image(client, session, app):
    user, supplier = make_supplier(session, app)
    signed_in(client, user)
    assert "发布商品" in client.get("/console/supplier/products/new").get_data(as_text=True)
    answer = client.post(
        "/console/supplier/products/new",
        data={
            **NEW,
            "sku_name": ["100g 罐装", "250g 礼盒"],
            "sku_price_fen": ["39.9", "89.90"],
            "sku_stock": ["30", "20"],
            "pictures": (io.BytesIO(picture("PNG", (3000, 2000))), "tea.png"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    [product] = products_of(session, supplier)
    assert (product.title, product.price_fen, product.other_platform_price_fen) == ("云南高山红茶 250g", 8990, 10900)
    assert product.commission_rate_bp == 2000 and product.status == "listed" and product.stock == 50
    assert [(sku.name, sku.price_fen, sku.stock) for sku in skus_of(session, product)] == [
        ("100g 罐装", 3990, 30),
        ("250g 礼盒", 8990, 20),
    ]
    [url] = product.image_urls
    assert url.startswith("/images/product-") and url.endswith(".jpg")
    with Image.open(io.BytesIO(client.get(url).data)) as kept:
        assert kept.format == "JPEG" and max(kept.size) == 1600  # re-encoded, at most 1600 a side
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已保存" in page and 'value="250g 礼盒"' in page and url in page


def test_an_edit_changes_the_fields_replaces_the_skus_and_drops_an_unkept_picture(client, session, app):
    user, _supplier = make_supplier(session, app)
    product = make_product(
        session,
        app,
        user,
        image_urls=["https://img.example.cn/a.jpg"],
        skus=[{"name": "小", "price_fen": 9000, "stock": 3}],
    )
    signed_in(client, user)
    page = client.get(f"/console/supplier/products/{product.id}").get_data(as_text=True)
    assert f'value="{product.title}"' in page and 'value="小"' in page and "https://img.example.cn/a.jpg" in page
    answer = client.post(
        f"/console/supplier/products/{product.id}",
        data={
            "title": "新标题",
            "category": "digital",
            "price_fen": "99",
            "other_platform_price_fen": "120",
            "stock": "0",
            "sku_name": ["大", ""],
            "sku_price_fen": ["99", ""],
            "sku_stock": ["7", ""],
        },
    )
    assert answer.status_code == 303
    session.refresh(product)
    assert (product.title, product.category, product.price_fen, product.stock) == ("新标题", "digital", 9900, 7)
    assert product.image_urls == [] and [sku.name for sku in skus_of(session, product)] == ["大"]


def test_a_price_above_the_other_platforms_and_a_bad_rate_are_refused_on_their_fields_and_nothing_is_saved(
    client, session, app
):
    user, supplier = make_supplier(session, app)
    signed_in(client, user)
    answer = client.post(
        "/console/supplier/products/new",
        data={**NEW, "price_fen": "120", "sku_name": ["大"], "sku_price_fen": ["130"], "sku_stock": ["1"]},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and page.count("售价不能高于其他平台售价") == 2
    assert 'id="e-price_fen"' in page and 'id="e-sku-0-price_fen"' in page
    too_low = client.post("/console/supplier/products/new", data={**NEW, "commission_rate_bp": "1"})
    assert too_low.status_code == 422 and "佣金比例不能低于平台下限 5%" in too_low.get_data(as_text=True)
    assert products_of(session, supplier) == []


def test_typing_mistakes_are_chinese_messages_on_each_field_never_a_500(client, session, app):
    user, supplier = make_supplier(session, app)
    signed_in(client, user)
    answer = client.post(
        "/console/supplier/products/new",
        data={
            "title": "",
            "category": "guns",
            "price_fen": "九十九",
            "other_platform_price_fen": "0",
            "stock": "-1",
            "commission_rate_bp": "abc",
            "sku_name": ["大"],
            "sku_price_fen": [""],
            "sku_stock": ["1.5"],
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for message in ("请填写标题", "请选择类目", "请填写金额", "须大于 0", "请填写不小于 0 的整数", "请填写佣金比例"):
        assert message in page
    assert 'id="e-sku-0-price_fen"' in page and 'id="e-sku-0-stock"' in page
    assert products_of(session, supplier) == []


def test_a_file_that_is_no_picture_is_refused_and_the_product_is_not_changed(client, session, app):
    user, _supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    signed_in(client, user)
    answer = client.post(
        f"/console/supplier/products/{product.id}",
        data={
            "title": "改了",
            "category": "food_health",
            "price_fen": "100",
            "other_platform_price_fen": "120",
            "stock": "10",
            "pictures": (io.BytesIO(b"%PDF-1.4 not a picture"), "tea.png"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422 and "请上传 PNG、JPEG 或 WebP 图片" in answer.get_data(as_text=True)
    session.refresh(product)
    assert product.title != "改了"


def test_another_suppliers_product_is_not_found_on_every_product_page(client, session, app):
    other_user, _ = make_supplier(session, app)
    theirs = make_product(session, app, other_user)
    user, _ = make_supplier(session, app)
    signed_in(client, user)
    assert client.get(f"/console/supplier/products/{theirs.id}").status_code == 404
    edit = client.post(f"/console/supplier/products/{theirs.id}", data={**NEW, "title": "抢来的"})
    delist = client.post(f"/console/supplier/products/{theirs.id}/listing", data={"listed": "0"})
    assert edit.status_code == 404 and delist.status_code == 404
    session.refresh(theirs)
    assert theirs.title != "抢来的" and theirs.status == "listed"
    assert theirs.title not in client.get("/console/supplier/products").get_data(as_text=True)


def test_delisting_and_listing_again_swaps_the_row_for_htmx(client, session, app):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user)
    signed_in(client, user)
    row = client.post(f"/console/supplier/products/{product.id}/listing", data={"listed": "0"}, headers=HTMX)
    text = row.get_data(as_text=True)
    assert row.status_code == 200 and text.startswith(f'<tr id="product-{product.id}"') and "已下架" in text
    session.refresh(product)
    assert product.status == "delisted" and not product.in_pool
    plain = client.post(f"/console/supplier/products/{product.id}/listing", data={"listed": "1"})
    assert plain.status_code == 303
    session.refresh(product)
    assert product.status == "listed" and product.in_pool


def test_the_list_filters_by_status_and_title_and_pages_by_keyset(client, session, app, monkeypatch):
    user, _ = make_supplier(session, app)
    tea = [make_product(session, app, user, title=f"红茶{n}") for n in range(3)]
    make_product(session, app, user, title="咖啡豆")
    signed_in(client, user)
    client.post(f"/console/supplier/products/{tea[0].id}/listing", data={"listed": "0"})
    page = client.get("/console/supplier/products?q=红茶").get_data(as_text=True)
    assert "红茶2" in page and "红茶0" in page and "咖啡豆" not in page
    delisted = client.get("/console/supplier/products?status=delisted").get_data(as_text=True)
    assert "红茶0" in delisted and "红茶1" not in delisted

    monkeypatch.setitem(lists.newest_first.__kwdefaults__, "size", 2)
    first = client.get("/console/supplier/products?q=红茶").get_data(as_text=True)
    assert "红茶2" in first and "红茶1" in first and "红茶0" not in first
    assert f"after={tea[1].id}" in first and "q=" in first
    second = client.get(f"/console/supplier/products?q=红茶&after={tea[1].id}").get_data(as_text=True)
    assert "红茶0" in second and "红茶1" not in second and "下一页" not in second


def test_a_supplier_not_yet_approved_is_told_to_finish_the_application(client, session, app):
    user, _ = make_supplier(session, app, approve=False)
    signed_in(client, user)
    answer = client.get("/console/supplier/products")
    assert answer.status_code == 403 and "入驻申请正在审核" in answer.get_data(as_text=True)
    signed_in(client, make_user(session, Role.SUPPLIER))
    assert "还没有提交供货商入驻申请" in client.get("/console/supplier/products/new").get_data(as_text=True)


def test_without_javascript_the_add_sku_button_gives_the_form_back_with_one_more_row(client, session, app):
    user, supplier = make_supplier(session, app)
    signed_in(client, user)
    answer = client.post(
        "/console/supplier/products/new",
        data={**NEW, "sku_name": ["大"], "sku_price_fen": ["99"], "sku_stock": ["1"], "add_sku": "1"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and page.count('name="sku_name"') == 3  # two rows and the row template
    assert products_of(session, supplier) == []


def test_a_suspended_supplier_reads_its_products_but_changes_nothing(client, session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user, title="红茶")
    services.decide(
        session=session,
        supplier_id=supplier.id,
        action=SupplierAction.SUSPEND,
        reason="发货超时",
        admin_id=make_user(session, Role.ADMIN).id,
    )
    signed_in(client, user)
    listing = client.get("/console/supplier/products").get_data(as_text=True)
    assert (
        "红茶" in listing and "暂停期间只能查看" in listing and "下架 红茶" not in listing and "发布商品" not in listing
    )
    form = client.get(f"/console/supplier/products/{product.id}").get_data(as_text=True)
    assert "暂停期间只能查看" in form and ">保存<" not in form
    refused = client.post(f"/console/supplier/products/{product.id}/listing", data={"listed": "0"})
    assert refused.status_code == 403
    session.refresh(product)
    assert product.status == "listed"
