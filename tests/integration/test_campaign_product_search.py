"""The admin's 活动 form finds its product by title or number, showing each one's price and current rate, and keeps
the chosen product through a refusal."""

from __future__ import annotations

from tests.integration import test_campaign_pages
from tests.integration.test_campaign_pages import signed_in, slot_form

clock, world = test_campaign_pages.clock, test_campaign_pages.world  # fixtures, shared


def test_a_search_offers_the_products_whose_title_holds_the_words_with_price_and_current_rate(client, world):
    signed_in(client, world["admin"])
    found = client.get("/console/admin/campaigns/products", query_string={"q": "龙井"}).get_data(as_text=True)
    tea = world["tea"]
    assert f'value="{tea.id}"' in found and "明前龙井" in found
    assert "售价 ¥100.00" in found and "当前佣金 20%" in found
    assert f'value="{world["theirs"].id}"' not in found


def test_a_search_by_number_finds_that_product_and_one_that_matches_nothing_says_so(client, world):
    signed_in(client, world["admin"])
    theirs = world["theirs"]
    by_number = client.get("/console/admin/campaigns/products", query_string={"q": str(theirs.id)})
    assert f'value="{theirs.id}"' in by_number.get_data(as_text=True)
    nothing = client.get("/console/admin/campaigns/products", query_string={"q": "没有这种茶"}).get_data(as_text=True)
    assert "没有名称含「没有这种茶」或编号为它的商品" in nothing and 'type="radio"' not in nothing


def test_the_search_works_without_script_by_reloading_the_page(client, world):
    signed_in(client, world["admin"])
    page = client.get("/console/admin/campaigns", query_string={"q": "龙井"}).get_data(as_text=True)
    assert f'name="product_id" value="{world["tea"].id}"' in page


def test_a_refused_slot_keeps_its_product_chosen_and_none_chosen_is_asked_for(client, world):
    signed_in(client, world["admin"])
    refused = client.post("/console/admin/campaigns", data=slot_form(world["tea"].id, hour="23"))
    assert refused.status_code == 422
    assert f'value="{world["tea"].id}" checked' in refused.get_data(as_text=True)
    unchosen = client.post("/console/admin/campaigns", data={**slot_form(world["tea"].id), "product_id": ""})
    assert unchosen.status_code == 422 and "请选择商品" in unchosen.get_data(as_text=True)


def test_only_an_admin_searches_the_products(client, world):
    signed_in(client, world["owner"])
    refused = client.get("/console/admin/campaigns/products", query_string={"q": "龙井"})
    assert refused.status_code == 403 and "明前龙井" not in refused.get_data(as_text=True)


def test_a_search_the_database_cannot_hold_is_refused_on_the_search_in_chinese_not_a_500(client, world):
    signed_in(client, world["admin"])
    for path in ("/console/admin/campaigns/products", "/console/admin/campaigns"):
        refused = client.get(path, query_string={"q": "龙井\x00"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422, path
        assert '<p class="error" id="e-q" role="alert">请勿输入特殊字符</p>' in html, path
        assert f'name="product_id" value="{world["tea"].id}"' not in html  # nothing searched
    page = client.get("/console/admin/campaigns", query_string={"q": "龙井\x00"}).get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="e-q"' in page
