import pytest

from distro.shops.rules import (
    ShopPolicy,
    display_name,
    eligibility_failures,
    name_failures,
    normalise_name,
    reorder_failures,
    slug_failures,
)

POLICY = ShopPolicy(
    name_min_length=2,
    name_max_length=20,
    forbidden_words=("旗舰", "专卖"),
    name_suffix="的小铺",
    eligibility="credit_score",
    min_credit_score=700,
    shops_per_owner=1,
    max_products=1000,
    reason_max_length=200,
)


def rules(name):
    return [failure.rule for failure in name_failures(name, POLICY)]


@pytest.mark.parametrize("name", ["小美", "小" * 20, "Mei's Picks"])
def test_names_of_two_to_twenty_characters_are_accepted(name):
    assert rules(name) == []


@pytest.mark.parametrize("name", ["美", "小" * 21, ""])
def test_names_outside_two_to_twenty_characters_are_refused(name):
    assert rules(name) == ["length"]


@pytest.mark.parametrize("name", ["小美旗舰店", "正品专卖"])
def test_flagship_and_exclusive_are_refused(name):
    assert rules(name) == ["forbidden_word"]


def test_the_suffix_is_added_by_the_system_not_the_owner():
    assert display_name("小美好物", POLICY) == "小美好物的小铺"
    assert rules("小美的小铺") == ["suffix"]


def test_names_are_compared_with_their_spaces_folded():
    assert normalise_name("  小美   好物 ") == "小美 好物"


@pytest.mark.parametrize(
    ("slug", "ok"),
    [
        ("xiaomei", True),
        ("mei-2026", True),
        ("ab", False),
        ("Mei", False),
        ("-mei", False),
        ("mei-", False),
        ("美", False),
        ("a" * 31, False),
    ],
)
def test_slugs_are_short_lowercase_words(slug, ok):
    assert (slug_failures(slug) == []) is ok


@pytest.mark.parametrize(("score", "eligible"), [(700, True), (820, True), (699, False), (None, False)])
def test_a_credit_score_of_at_least_700_opens_a_shop(score, eligible):
    assert (eligibility_failures(score, POLICY) == []) is eligible


def test_under_admin_approval_the_score_does_not_matter():
    policy = ShopPolicy(**{**POLICY.__dict__, "eligibility": "admin_approval"})
    assert eligibility_failures(None, policy) == []


def test_a_reorder_must_list_every_product_exactly_once():
    assert reorder_failures([1, 2, 3], [3, 1, 2]) == []
    assert reorder_failures([1, 2, 3], [1, 2])[0].rule == "permutation"
    assert reorder_failures([1, 2, 3], [1, 2, 2, 3])[0].rule == "permutation"
    assert reorder_failures([1, 2, 3], [1, 2, 4])[0].rule == "permutation"
