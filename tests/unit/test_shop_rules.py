import pytest

from distro.shops.rules import (
    NameCheck,
    ShopAction,
    ShopPolicy,
    ShopStanding,
    ShopTransitionRefused,
    display_name,
    eligibility_failures,
    moved,
    name_checks,
    name_failures,
    normalise_name,
    reorder_failures,
    slug_failures,
    standing_after,
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


ACTIVE, SUSPENDED = ShopStanding("active"), ShopStanding("suspended", payouts_frozen=True)


def test_suspending_a_shop_freezes_its_payouts_and_reinstating_it_pays_it_again():
    assert standing_after(ACTIVE, ShopAction.SUSPEND) == SUSPENDED
    assert standing_after(SUSPENDED, ShopAction.REINSTATE) == ACTIVE


def test_a_shop_closed_for_abuse_has_its_commission_frozen_for_review():
    assert standing_after(ACTIVE, ShopAction.CLOSE) == ShopStanding("closed", payouts_frozen=True)


def test_a_shop_closed_at_its_owners_request_is_paid_what_it_earned():
    assert standing_after(SUSPENDED, ShopAction.CLOSE, pay_earned=True) == ShopStanding("closed", payouts_frozen=False)


@pytest.mark.parametrize(
    ("standing", "action"),
    [
        (SUSPENDED, ShopAction.SUSPEND),
        (ACTIVE, ShopAction.REINSTATE),
        (ShopStanding("closed", payouts_frozen=True), ShopAction.CLOSE),
    ],
)
def test_an_action_whose_status_the_shop_already_has_changes_nothing(standing, action):
    assert standing_after(standing, action, pay_earned=True) == standing


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("closed", ShopAction.REINSTATE),
        ("closed", ShopAction.SUSPEND),
        ("pending_approval", ShopAction.SUSPEND),
        ("pending_approval", ShopAction.REINSTATE),
    ],
)
def test_a_closed_shop_stays_closed_and_one_not_yet_open_can_only_be_closed(status, action):
    with pytest.raises(ShopTransitionRefused):
        standing_after(ShopStanding(status), action)


def test_a_name_typed_so_far_is_shown_each_rule_kept_or_broken_as_the_api_judges_it():
    assert name_checks("小美旗舰的小铺", POLICY) == [
        NameCheck("length", True),
        NameCheck("forbidden_word", False),
        NameCheck("suffix", False),
    ]
    assert name_checks("美", POLICY) == [
        NameCheck("length", False),
        NameCheck("forbidden_word", True),
        NameCheck("suffix", True),
    ]


def test_whether_a_name_is_free_is_shown_only_when_it_is_known():
    assert name_checks("小美好物", POLICY, taken=True)[-1] == NameCheck("unique", False)
    assert name_checks("小美好物", POLICY, taken=False)[-1] == NameCheck("unique", True)
    assert all(check.rule != "unique" for check in name_checks("小美好物", POLICY))


def test_every_rule_a_name_breaks_shows_as_broken_and_no_other():
    for name in ("a", "好" * 21, "旗舰专卖", "我的小铺", "小美好物", "专卖的小铺"):
        broken = {check.rule for check in name_checks(name, POLICY) if not check.ok}
        assert broken == {failure.rule for failure in name_failures(name, POLICY)}, name


def test_a_pick_moves_one_place_and_stops_at_either_end():
    assert moved([1, 2, 3], 3, -1) == [1, 3, 2]
    assert moved([1, 2, 3], 1, 1) == [2, 1, 3]
    assert moved([1, 2, 3], 1, -1) == [1, 2, 3]
    assert moved([1, 2, 3], 3, 1) == [1, 2, 3]
    assert moved([1, 2, 3], 3, -10) == [3, 1, 2]
    assert not reorder_failures([1, 2, 3], moved([1, 2, 3], 2, 1))  # always a whole new order of the same picks
    with pytest.raises(ValueError):
        moved([1, 2, 3], 4, 1)
