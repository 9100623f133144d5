import json

import pytest

from distro.settings import ConfigurationError, load_settings
from distro.tiers.rules import build_tier_table, tier_for, tier_table_violations

DEFAULT = load_settings(environ={})["TIERS"]
# The default tiers (new, senior, elite, super) with thresholds small enough to read: net GMV fen, orders, buyers.
SMALL = build_tier_table(
    [
        {**tier, "min_net_gmv_fen": gmv, "min_orders": orders, "min_buyers": buyers}
        for tier, (gmv, orders, buyers) in zip(
            DEFAULT, [(0, 0, 0), (10_000, 2, 2), (20_000, 3, 3), (30_000, 4, 4)], strict=True
        )
    ]
)


def earned(current, net_gmv_fen=0, orders=0, buyers=0, table=SMALL):
    """The code of the tier a month's figures earn a shop now in `current`."""
    return tier_for(net_gmv_fen=net_gmv_fen, orders=orders, buyers=buyers, current=current, table=table).code


def test_the_default_tiers_run_from_new_to_super_with_rising_shares():
    table = build_tier_table(DEFAULT)
    assert [tier.name for tier in table.tiers] == ["新晋掌柜", "资深掌柜", "精英掌柜", "超级掌柜"]
    assert [tier.share_bp for tier in table.tiers] == [6000, 6500, 7000, 7500]
    assert table.entry.code == "new"


def test_a_share_lower_than_the_tier_below_is_refused():
    tiers = [dict(tier) for tier in DEFAULT]
    tiers[2]["share_bp"] = 6400
    assert [(e.field, e.rule) for e in tier_table_violations(tiers)] == [("tiers.2.share_bp", "non_decreasing")]


def test_a_threshold_lower_than_the_tier_below_is_refused():
    tiers = [dict(tier) for tier in DEFAULT]
    tiers[3]["min_orders"] = 10
    assert [(e.field, e.rule) for e in tier_table_violations(tiers)] == [("tiers.3.min_orders", "non_decreasing")]


@pytest.mark.parametrize("share", [0, 10_000, -1])
def test_shares_must_be_strictly_between_nothing_and_everything(share):
    tiers = [dict(tier) for tier in DEFAULT]
    tiers[0]["share_bp"] = share
    assert ("tiers.0.share_bp", "range") in [(e.field, e.rule) for e in tier_table_violations(tiers)]


def test_invalid_tiers_stop_the_app_from_starting():
    tiers = json.dumps([DEFAULT[0], {**DEFAULT[1], "share_bp": 5000}])
    with pytest.raises(ConfigurationError, match=r"tiers\.1\.share_bp must not be lower"):
        load_settings(environ={"DISTRO_TIERS": tiers})


def test_a_month_that_meets_the_top_tiers_thresholds_promotes_a_new_shop_several_tiers_at_once():
    assert earned("new", 30_000, 4, 4) == "super"


def test_a_shop_climbs_to_the_highest_tier_whose_thresholds_are_all_met():
    assert earned("new", 25_000, 3, 3) == "elite"
    assert earned("senior", 1_000_000, 100, 3) == "elite"  # buyers hold it to elite


def test_a_month_with_nothing_drops_a_shop_only_one_tier():
    assert earned("super") == "elite"
    assert earned("elite") == "senior"
    assert earned("senior") == "new"


def test_a_shop_that_meets_its_own_tier_keeps_it():
    assert earned("elite", 20_000, 3, 3) == "elite"


def test_a_shop_that_meets_the_tier_below_its_own_drops_to_it():
    assert earned("super", 20_000, 3, 3) == "elite"


def test_a_shop_in_the_entry_tier_stays_there_whatever_it_misses():
    assert earned("new") == "new"


def test_a_shop_whose_tier_the_table_no_longer_has_counts_as_in_the_entry_tier():
    assert earned("gone") == "new"
    assert earned("gone", 10_000, 2, 2) == "senior"


def test_each_threshold_reached_exactly_counts_and_one_short_does_not():
    assert earned("new", 10_000, 2, 2) == "senior"
    assert earned("new", 9_999, 2, 2) == "new"
    assert earned("new", 10_000, 1, 2) == "new"
    assert earned("new", 10_000, 2, 1) == "new"


def test_an_entry_tier_with_thresholds_a_shop_misses_is_still_the_floor():
    raw = [dict(tier) for tier in DEFAULT]
    raw[0]["min_orders"] = 1
    assert earned("new", table=build_tier_table(raw)) == "new"
