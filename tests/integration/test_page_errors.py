"""Errors as a browser sees them: outside the API a page in Chinese, never problem+json in English, and never a 500
for an address typed by hand; the API keeps problem+json."""

from __future__ import annotations

import pytest

from distro.auth.models import Role
from tests.factories import make_shop, make_supplier, make_user
from tests.finance_books import sign_in

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("path", ["/nonexistent", "/orders/", "/shop/xiaomei/p/abc"])
def test_an_address_that_is_not_there_is_a_chinese_page_for_a_browser(client, path):
    answer = client.get(path, headers=HTML)
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert "找不到页面" in answer.get_data(as_text=True)


def test_an_address_that_is_not_there_is_problem_json_under_the_api_even_for_a_browser(client):
    answer = client.get("/api/v1/nonexistent", headers=HTML)
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_an_address_that_is_not_there_is_problem_json_for_a_client_not_asking_for_html(client):
    answer = client.get("/nonexistent", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_a_console_address_that_is_not_there_is_the_consoles_not_found_page(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    answer = client.get("/console/finance/ledger/accounts/%00", headers=HTML)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and "找不到页面" in html and "distro 控制台" in html


def test_an_error_of_distros_own_is_a_chinese_500_page_and_is_logged(app, client, monkeypatch, caplog):
    from distro.storefront import services

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "shop_page", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    answer = client.get("/shop/anything", headers=HTML)
    assert answer.status_code == 500 and answer.mimetype == "text/html"
    assert "出错了" in answer.get_data(as_text=True)
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


@pytest.mark.parametrize("page", ["/my/shop", "/my/picks", "/my/selection/sheet"])
def test_a_shop_id_beyond_any_bigint_is_the_owner_apps_not_found_page(client, session, app, page):
    owner = make_user(session, Role.SHOP_OWNER)
    make_shop(session, app, owner)
    sign_in(client, owner)
    answer = client.get(f"{page}?shop=99999999999999999999")
    assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True)


@pytest.mark.parametrize("page", ["users", "shops", "suppliers", "products", "keys"])
def test_a_nul_in_an_admin_lists_address_is_refused_on_the_page_in_chinese(client, session, page):
    sign_in(client, make_user(session, Role.ADMIN))
    answer = client.get(f"/console/admin/{page}?q=%00")
    assert answer.status_code == 422 and "请勿输入特殊字符" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/console/supplier/shipping?order_ref=%00",
        "/console/supplier/after-sales?q=%00",
        "/console/supplier/shops?q=%00",
        "/console/supplier/statements?q=%00",
    ],
)
def test_a_nul_in_a_supplier_lists_address_is_refused_on_the_page_in_chinese(client, session, app, path):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    answer = client.get(path)
    assert answer.status_code == 422 and "请勿输入特殊字符" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/console/finance/statements?q=%00", "/console/finance/deposits?q=%00"])
def test_a_nul_in_a_finance_lists_address_is_refused_on_the_page_in_chinese(client, session, path):
    sign_in(client, make_user(session, Role.FINANCE))
    answer = client.get(path)
    assert answer.status_code == 422 and "请勿输入特殊字符" in answer.get_data(as_text=True)


def test_a_shipping_status_the_list_does_not_offer_is_refused_on_its_field(client, session, app):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    answer = client.get("/console/supplier/shipping?status=zzz")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="e-status">请选择状态' in html


def test_an_account_without_a_console_role_is_offered_only_the_owner_app_on_the_consoles_refusal(client, session):
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    html = client.get("/console").get_data(as_text=True)
    assert 'href="/my">去店主首页' in html and "回到控制台" not in html


def test_an_account_with_a_console_role_is_offered_the_console_on_a_refusal(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get("/console/admin/users").get_data(as_text=True)
    assert "回到控制台" in html and "去店主首页" not in html
