"""平台管理 › 商品: admins find a product by id or title, take it down with a reason and restore it, through the
API's take-down service."""

from __future__ import annotations

import pytest

from distro.auth.models import Role
from distro.suppliers.models import Product
from tests.factories import PASSWORD, make_product, make_shop, make_supplier, make_user


def sign_in(client, user):
    client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def admin(client, session):
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    return admin


@pytest.fixture
def mask(app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, title="医用口罩 五十只装")  # no digit an id search could match
    make_shop(session, app, carrying=[product])
    make_shop(session, app, carrying=[product])
    return product


def link(product) -> str:
    return f'/console/admin/products/{product.id}"'


def test_a_product_is_found_by_words_of_its_title_or_by_its_id(client, app, session, admin, mask):
    supplier_user, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier_user, title="明前龙井")
    assert "输入商品编号或标题" in client.get("/console/admin/products").get_data(as_text=True)
    by_title = client.get("/console/admin/products?q=口罩").get_data(as_text=True)
    assert link(mask) in by_title and link(tea) not in by_title
    by_id = client.get(f"/console/admin/products?q={tea.id}").get_data(as_text=True)
    assert link(tea) in by_id and link(mask) not in by_id
    assert "没有找到商品" in client.get("/console/admin/products?q=不存在的东西").get_data(as_text=True)


def test_the_product_page_says_how_many_shops_carry_it(client, admin, mask):
    page = client.get(f"/console/admin/products/{mask.id}").get_data(as_text=True)
    assert "2 家店铺不再展示它" in page and "在货源池" in page


def test_taking_down_needs_a_reason_then_takes_it_out_of_the_pool_until_restored(client, session, admin, mask):
    refused = client.post(f"/console/admin/products/{mask.id}/take-down", data={"reason": ""})
    assert refused.status_code == 422 and "请填写理由" in refused.get_data(as_text=True)
    answer = client.post(f"/console/admin/products/{mask.id}/take-down", data={"reason": "假冒商品"})
    assert answer.status_code == 303
    session.expire_all()
    assert (mask.in_pool, mask.takedown_reason) == (False, "假冒商品")
    assert "理由：假冒商品" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/console/admin/products/{mask.id}/restore", data={"reason": "鉴定为正品"}).status_code == 303
    session.expire_all()
    assert (mask.in_pool, mask.taken_down_at) == (True, None)


def test_an_admin_cannot_take_down_a_product_of_their_own_supplier_account(client, app, session):
    both = make_user(session, Role.ADMIN, Role.SUPPLIER)
    make_supplier(session, app, user=both)
    own = make_product(session, app, both)
    sign_in(client, both)
    answer = client.post(f"/console/admin/products/{own.id}/take-down", data={"reason": "自查"})
    assert answer.status_code == 403 and "不能处理你自己账户名下的对象" in answer.get_data(as_text=True)
    assert session.get(Product, own.id).taken_down_at is None  # type: ignore[union-attr]


def test_a_product_or_action_that_is_not_there_is_a_404(client, admin, mask):
    assert client.get("/console/admin/products/999999").status_code == 404
    assert client.post("/console/admin/products/999999/take-down", data={"reason": "x"}).status_code == 404
    assert client.post(f"/console/admin/products/{mask.id}/delete", data={"reason": "x"}).status_code == 404


def test_an_account_without_the_admin_role_is_refused_with_a_403(client, session, mask):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get("/console/admin/products?q=口罩").status_code == 403
    assert client.post(f"/console/admin/products/{mask.id}/take-down", data={"reason": "x"}).status_code == 403


@pytest.mark.parametrize("typed", ["123456789012345678901234567890", "²", "%_"])
def test_a_search_that_is_no_id_is_searched_as_words_not_a_500(client, admin, typed):
    answer = client.get("/console/admin/products", query_string={"q": typed})
    assert answer.status_code == 200 and "没有找到商品" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/console/admin/suppliers", "/console/admin/shops", "/console/admin/users"])
def test_every_list_takes_a_number_too_long_for_an_id_as_words(client, admin, path):
    assert client.get(path, query_string={"q": "9" * 40}).status_code == 200
