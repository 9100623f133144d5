"""Attribution: which shop an order belongs to, and what it earns on (distro/commission/attribution.py)."""

import dataclasses
import datetime as dt

from distro.commission.attribution import Attribution, Binding, Candidate, OrderClaims, attribute, new_bindings

MASK, SERUM, KETTLE = 1, 2, 3
PAGE_SHOP = Candidate(shop_id=20, owner_id=200, carried=frozenset({MASK, SERUM}), owner_phone_reference="phone:b")
LINK_SHOP = Candidate(shop_id=10, owner_id=100, carried=frozenset({KETTLE}), owner_phone_reference="phone:a")
BOUND_SHOP = Candidate(shop_id=30, owner_id=300, carried=frozenset({MASK}))


def claims(**values) -> OrderClaims:
    return OrderClaims(**{"product_ids": frozenset({MASK}), "buyer_reference": "phone:buyer", **values})


def test_an_order_placed_on_a_shops_own_page_belongs_to_that_shop_whatever_link_brought_the_buyer():
    decided = attribute(claims(named=PAGE_SHOP, code="LinkShop", code_shop=LINK_SHOP, binding=BOUND_SHOP))
    assert (decided.shop_id, decided.how, decided.share_code) == (20, "shop", None)


def test_a_page_order_through_one_of_the_shops_own_links_keeps_its_share_code():
    decided = attribute(claims(named=PAGE_SHOP, code="PageLink", code_shop=PAGE_SHOP))
    assert (decided.shop_id, decided.how, decided.share_code) == (20, "share_code", "PageLink")


def test_an_order_naming_no_shop_follows_its_share_code_to_a_shop_that_carries_the_product():
    decided = attribute(claims(product_ids=frozenset({KETTLE}), code="LinkShop", code_shop=LINK_SHOP))
    assert (decided.shop_id, decided.how, decided.share_code) == (10, "share_code", "LinkShop")


def test_a_share_code_whose_shop_does_not_carry_the_product_gives_way_to_the_binding():
    decided = attribute(claims(code="LinkShop", code_shop=LINK_SHOP, binding=BOUND_SHOP))
    assert (decided.shop_id, decided.how) == (30, "binding")


def test_no_shop_is_paid_for_a_product_none_of_them_carries():
    decided = attribute(
        claims(product_ids=frozenset({SERUM}), code="LinkShop", code_shop=LINK_SHOP, binding=BOUND_SHOP)
    )
    assert decided == Attribution(None, "none")


def test_a_binding_attributes_an_order_that_names_no_shop_and_has_no_code():
    assert (attribute(claims(binding=BOUND_SHOP)).shop_id, attribute(claims(binding=BOUND_SHOP)).how) == (30, "binding")


def test_an_order_with_nothing_pointing_at_a_shop_is_unattributed():
    assert attribute(claims()) == Attribution(None, "none")


def test_a_shop_earns_only_on_the_lines_of_products_it_carries():
    decided = attribute(claims(product_ids=frozenset({MASK, KETTLE}), named=PAGE_SHOP))
    assert (decided.shop_id, decided.earning_products) == (20, frozenset({MASK}))


def test_a_named_shop_that_carries_none_of_the_products_is_not_attributed_the_order():
    assert attribute(claims(product_ids=frozenset({KETTLE}), named=PAGE_SHOP)) == Attribution(None, "none")


def test_an_unknown_shop_name_is_a_problem_whatever_else_points_somewhere():
    decided = attribute(claims(named_unknown="nosuch", code="LinkShop", code_shop=LINK_SHOP))
    assert (decided.shop_id, decided.problems) == (None, ("unknown shop 'nosuch'",))


def test_an_unknown_share_code_is_a_problem_only_when_no_shop_is_named():
    assert attribute(claims(code="Gone1234")).problems == ("unknown share code 'Gone1234'",)
    assert attribute(claims(named=PAGE_SHOP, code="Gone1234")).problems == ()


def test_the_owner_buying_with_their_own_verified_phone_is_a_self_purchase():
    assert attribute(claims(named=PAGE_SHOP, buyer_reference="phone:b")).self_purchase is True
    assert attribute(claims(named=PAGE_SHOP, buyer_reference="phone:a")).self_purchase is False


def test_the_owner_signed_in_as_themselves_is_a_self_purchase():
    assert attribute(claims(named=PAGE_SHOP, buyer_user_id=200)).self_purchase is True
    assert attribute(claims(named=PAGE_SHOP, buyer_user_id=100)).self_purchase is False


def test_an_owner_without_a_verified_phone_is_not_matched_by_an_empty_reference():
    no_phone = Candidate(shop_id=40, owner_id=400, carried=frozenset({MASK}))
    assert attribute(claims(named=no_phone, buyer_reference=None)).self_purchase is False


PAID = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def suspended(shop: Candidate) -> Candidate:
    return dataclasses.replace(shop, active=False)


def test_an_order_naming_a_suspended_shop_belongs_to_no_shop_though_another_shops_link_brought_it():
    decided = attribute(claims(named=suspended(PAGE_SHOP), code="LinkShop", code_shop=LINK_SHOP, binding=BOUND_SHOP))
    assert decided == Attribution(None, "none")


def test_a_share_code_of_a_suspended_shop_gives_way_to_the_binding():
    decided = attribute(claims(code="Suspend1", code_shop=suspended(BOUND_SHOP), binding=PAGE_SHOP))
    assert (decided.shop_id, decided.how, decided.share_code) == (20, "binding", None)


def test_a_binding_to_a_closed_shop_earns_it_nothing():
    assert attribute(claims(binding=suspended(BOUND_SHOP))) == Attribution(None, "none")


def test_a_reinstated_shop_earns_only_on_orders_paid_since_its_reinstatement():
    reinstated = dataclasses.replace(PAGE_SHOP, reinstated_at=PAID)
    assert attribute(claims(named=reinstated, paid_at=PAID - dt.timedelta(seconds=1))).shop_id is None
    assert attribute(claims(named=reinstated, paid_at=PAID)).shop_id == 20


def test_a_binding_that_expired_before_the_order_was_paid_gives_the_order_to_no_shop():
    expired = claims(binding=BOUND_SHOP, paid_at=PAID, bound_at=PAID - dt.timedelta(days=8))
    assert attribute(dataclasses.replace(expired, binding_expires_at=PAID - dt.timedelta(seconds=1))).shop_id is None
    assert attribute(dataclasses.replace(expired, binding_expires_at=PAID)).shop_id == 30


def test_a_binding_made_after_the_order_was_paid_does_not_take_it():
    later = claims(binding=BOUND_SHOP, paid_at=PAID, bound_at=PAID + dt.timedelta(seconds=1))
    assert attribute(dataclasses.replace(later, binding_expires_at=PAID + dt.timedelta(days=7))).shop_id is None


def test_an_expired_binding_lets_the_order_fall_through_to_no_shop_even_with_a_share_code_of_a_shop_without_it():
    decided = attribute(
        claims(
            code="LinkShop",
            code_shop=LINK_SHOP,
            binding=BOUND_SHOP,
            paid_at=PAID,
            bound_at=PAID - dt.timedelta(days=9),
            binding_expires_at=PAID - dt.timedelta(days=2),
        )
    )
    assert decided == Attribution(None, "none")


def test_an_order_a_share_code_brought_binds_its_buyer_to_that_shop_for_the_binding_days():
    brought = Attribution(10, "share_code", share_code="LinkShop", earning_products=frozenset({KETTLE}))
    assert new_bindings([("phone:buyer", PAID, brought)], 7) == [
        Binding("phone:buyer", 10, "LinkShop", PAID, PAID + dt.timedelta(days=7))
    ]


def test_only_share_codes_bind_buyers_and_the_latest_purchase_wins():
    page = Attribution(20, "shop", earning_products=frozenset({MASK}))
    bound = Attribution(30, "binding", earning_products=frozenset({MASK}))
    first = Attribution(10, "share_code", share_code="LinkShop", earning_products=frozenset({KETTLE}))
    later = Attribution(20, "share_code", share_code="PageLink", earning_products=frozenset({MASK}))
    made = new_bindings(
        [
            ("phone:buyer", PAID + dt.timedelta(hours=2), page),
            ("phone:buyer", PAID + dt.timedelta(hours=1), later),
            ("phone:buyer", PAID, first),
            ("phone:other", PAID, bound),
            ("", PAID, first),
        ],
        7,
    )
    assert [(binding.buyer_reference, binding.shop_id, binding.share_code) for binding in made] == [
        ("phone:buyer", 20, "PageLink")
    ]


def test_the_owner_buying_through_their_own_share_link_or_binding_is_a_self_purchase():
    own_link = claims(product_ids=frozenset({KETTLE}), code="LinkShop", code_shop=LINK_SHOP, buyer_reference="phone:a")
    assert (attribute(own_link).how, attribute(own_link).self_purchase) == ("share_code", True)
    assert attribute(claims(binding=BOUND_SHOP, buyer_user_id=300)).self_purchase is True
