import json

import pytest

from distro.settings import ConfigurationError, load_settings
from distro.tiers.rules import build_tier_table, tier_table_violations

DEFAULT = load_settings(environ={})["TIERS"]


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
