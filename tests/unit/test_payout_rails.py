"""Which payout rail PAYOUT_RAIL names, and what the demo rail says of a transfer (fixed rules, no randomness)."""

import pytest

from distro.settings import ConfigurationError, load_settings
from distro.settlement.rail_demo import ACCOUNT_MISMATCH, OVER_LIMIT, DemoRail, demo_outcome
from distro.settlement.rail_payments import payout_rail
from distro.settlement.rails import BankFileRail, RailNotOnline, Transfer
from tests.unit.test_settings import PRODUCTION


def transfer(payout_id: int = 7, amount_fen: int = 12_345, account: str = "6222020200112233") -> Transfer:
    return Transfer(payout_id, amount_fen, "bank", "王小美", account, "工商银行")


def test_the_bank_file_rail_is_chosen_by_its_name_and_submits_nothing():
    rail = payout_rail({"PAYOUT_RAIL": "bank_file"})
    assert isinstance(rail, BankFileRail) and not rail.online and not rail.demo
    with pytest.raises(RailNotOnline):
        rail.submit([transfer()])
    assert rail.outcomes([transfer()]) == []


def test_the_demo_rail_is_chosen_by_its_name_and_says_it_is_a_demo():
    rail = payout_rail({"PAYOUT_RAIL": "demo"})
    assert isinstance(rail, DemoRail) and rail.online and rail.demo


def test_a_rail_distro_does_not_have_is_refused_by_name():
    with pytest.raises(ConfigurationError, match="DISTRO_PAYOUT_RAIL='wechat_pay' is not available"):
        payout_rail({"PAYOUT_RAIL": "wechat_pay"})
    with pytest.raises(ConfigurationError, match="DISTRO_PAYOUT_RAIL must be"):
        load_settings(environ={"DISTRO_PAYOUT_RAIL": "wechat_pay"})


def test_development_may_pay_through_the_demo_rail_but_production_may_not():
    assert load_settings(environ={"DISTRO_PAYOUT_RAIL": "demo"})["PAYOUT_RAIL"] == "demo"
    assert load_settings(environ=PRODUCTION)["PAYOUT_RAIL"] == "bank_file"
    with pytest.raises(ConfigurationError, match="DISTRO_PAYOUT_RAIL='demo' marks payouts paid without moving money"):
        load_settings(environ={**PRODUCTION, "DISTRO_PAYOUT_RAIL": "demo"})


def test_the_demo_rail_pays_an_ordinary_transfer_with_a_reference_of_its_payout():
    result = demo_outcome(transfer(payout_id=41))
    assert (result.payout_id, result.status, result.external_reference, result.reason) == (41, "paid", "DEMO-41", None)


def test_the_demo_rail_fails_an_account_number_ending_in_four_zeros_as_not_matching():
    result = demo_outcome(transfer(account="6222020200110000"))
    assert (result.status, result.reason, result.external_reference) == ("failed", ACCOUNT_MISMATCH, None)
    assert ACCOUNT_MISMATCH == "收款账户信息不符"


def test_the_demo_rail_fails_a_transfer_above_fifty_thousand_yuan_and_pays_one_of_exactly_that():
    assert demo_outcome(transfer(amount_fen=5_000_001)).reason == OVER_LIMIT
    assert demo_outcome(transfer(amount_fen=5_000_000)).status == "paid"


def test_the_demo_rail_says_the_same_of_a_transfer_each_time_it_is_asked():
    transfers = [transfer(payout_id=n, account=f"62220202001{n:05d}") for n in range(1, 30)]
    rail = DemoRail()
    assert rail.submit(transfers) == rail.outcomes(transfers) == [demo_outcome(each) for each in transfers]
