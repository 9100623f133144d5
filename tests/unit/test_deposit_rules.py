"""The deposit's rules: what is short, whether a supplier sells, when its deposit may go back, what a draw takes."""

from distro.deposits import rules
from distro.deposits.rules import Outstanding, draw_refusal, return_refusal, sells, shortfall


def test_shortfall_is_what_remains_to_pay_and_never_negative():
    assert shortfall(0, 1_000_000) == 1_000_000
    assert shortfall(400_000, 1_000_000) == 600_000
    assert shortfall(1_000_000, 1_000_000) == 0
    assert shortfall(1_500_000, 1_000_000) == 0


def test_a_deposit_drawn_below_zero_is_short_by_the_requirement_and_the_debt():
    assert shortfall(-20_000, 1_000_000) == 1_020_000


def test_an_approved_supplier_holding_its_whole_deposit_sells():
    assert sells("approved", 1_000_000, 1_000_000)
    assert sells("approved", 1_200_000, 1_000_000)


def test_an_approved_supplier_short_of_its_deposit_does_not_sell():
    assert not sells("approved", 999_999, 1_000_000)
    assert not sells("approved", 0, 1_000_000)


def test_a_supplier_without_a_requirement_sells_once_approved():
    assert sells("approved", 0, 0)


def test_paying_in_never_brings_back_a_supplier_an_admin_stopped():
    for status in ("suspended", "removed", "applied", "rejected"):
        assert not sells(status, 5_000_000, 1_000_000)


def test_a_deposit_goes_back_only_with_nothing_outstanding():
    assert return_refusal(Outstanding(held_fen=1_000_000, owed_fen=0, open_orders=0)) is None


def test_a_deposit_is_not_returned_while_commission_is_owed_or_orders_are_open():
    assert return_refusal(Outstanding(1_000_000, 1, 0)) == rules.OWED
    assert return_refusal(Outstanding(1_000_000, 0, 3)) == rules.OPEN_ORDERS


def test_nothing_held_or_a_return_on_its_way_is_not_returned_again():
    assert return_refusal(Outstanding(0, 0, 0)) == rules.NOTHING_HELD
    assert return_refusal(Outstanding(-500, 0, 0)) == rules.NOTHING_HELD
    assert return_refusal(Outstanding(1_000_000, 0, 0, returning=True)) == rules.RETURNING


def test_owing_commission_is_named_before_open_orders():
    assert return_refusal(Outstanding(1_000_000, 100, 2)) == rules.OWED


def test_a_draw_takes_a_positive_amount_for_a_known_reason():
    assert draw_refusal(5_000, rules.COMPENSATION) is None
    assert draw_refusal(5_000, rules.PENALTY) is None
    assert draw_refusal(0, rules.PENALTY) is not None
    assert draw_refusal(-1, rules.COMPENSATION) is not None
    assert draw_refusal(5_000, "gift") is not None


def test_a_penalty_may_take_all_the_deposit_holds_but_no_more_and_nothing_from_an_empty_one():
    assert rules.penalty_refusal(10_000, held_fen=10_000) is None
    assert rules.penalty_refusal(10_001, held_fen=10_000) == "more than the deposit holds"
    assert rules.penalty_refusal(1, held_fen=0) == "more than the deposit holds"
    assert rules.penalty_refusal(1, held_fen=-500) == "more than the deposit holds"  # already below zero
    assert rules.penalty_refusal(0, held_fen=10_000) == "the amount must be positive"
