"""How commission is held, when it is payable and what a self-purchase earns (distro/commission/policy.py)."""

import datetime as dt

from distro.commission.policy import CommissionPolicy, payable_at

POLICY = CommissionPolicy(hold_days=7, hold_days_by_category={"apparel_sports": 15}, self_purchase_share_bp=3_000)


def test_commission_is_held_seven_days_after_delivery_and_fifteen_for_apparel():
    assert (POLICY.hold_days_for("food_health"), POLICY.hold_days_for("apparel_sports")) == (7, 15)


def test_a_sale_to_someone_else_earns_the_tiers_share_under_every_policy():
    for policy in ("flag", "pay", "pay_own_rate"):
        assert CommissionPolicy(7, self_purchase=policy).owner_share_bp(6_500, self_purchase=False) == 6_500


def test_a_flagged_self_purchase_earns_nothing():
    assert CommissionPolicy(7, self_purchase="flag").owner_share_bp(6_500, self_purchase=True) is None


def test_a_self_purchase_earns_the_tiers_share_under_pay_and_its_own_share_under_pay_own_rate():
    assert CommissionPolicy(7, self_purchase="pay").owner_share_bp(6_500, self_purchase=True) == 6_500
    own = CommissionPolicy(7, self_purchase="pay_own_rate", self_purchase_share_bp=3_000)
    assert own.owner_share_bp(6_500, self_purchase=True) == 3_000


DELIVERED = dt.datetime(2026, 11, 25, 2, 30, tzinfo=dt.UTC)


def test_commission_is_payable_the_hold_days_after_delivery_to_the_second():
    assert payable_at(DELIVERED, 7) == dt.datetime(2026, 12, 2, 2, 30, tzinfo=dt.UTC)


def test_apparel_commission_is_payable_fifteen_days_after_delivery():
    assert payable_at(DELIVERED, POLICY.hold_days_for("apparel_sports")) == DELIVERED + dt.timedelta(days=15)


def test_nothing_is_payable_before_the_goods_are_delivered():
    assert payable_at(None, 7) is None


def test_a_withdrawn_line_is_never_payable_delivered_or_not():
    assert payable_at(DELIVERED, 7, withdrawn=True) is None
    assert payable_at(None, 7, withdrawn=True) is None


def test_the_hold_is_whole_days_of_elapsed_time_whatever_the_zone_delivery_was_reported_in():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert payable_at(DELIVERED.astimezone(shanghai), 7) == payable_at(DELIVERED, 7)
