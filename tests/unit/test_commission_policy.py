"""How commission is held and what a self-purchase earns (distro/commission/policy.py)."""

from distro.commission.policy import CommissionPolicy

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
