import pytest
from hypothesis import given
from hypothesis import strategies as st

from distro.ledger.chart import AccountType, EntryLine, PostingError, account_type, check_posting, reversal_of


def test_a_balanced_posting_with_two_entries_is_valid():
    check_posting([EntryLine("supplier:1:payable", 100), EntryLine("shop:2:pending", -100)])


def test_commission_accrual_splits_across_three_accounts():
    check_posting(
        [EntryLine("supplier:1:payable", 2000), EntryLine("shop:2:pending", -1200), EntryLine("platform:revenue", -800)]
    )


def test_an_unbalanced_posting_is_refused_with_its_sum():
    with pytest.raises(PostingError, match="sum to 1 fen"):
        check_posting([EntryLine("cash", 101), EntryLine("payouts:clearing", -100)])


def test_a_posting_needs_two_entries():
    with pytest.raises(PostingError, match="at least two"):
        check_posting([EntryLine("cash", 0)])


def test_zero_and_float_amounts_are_refused():
    with pytest.raises(PostingError, match="zero"):
        check_posting([EntryLine("cash", 0), EntryLine("payouts:clearing", 0)])
    with pytest.raises(PostingError, match="int of fen"):
        check_posting([EntryLine("cash", 1.5), EntryLine("payouts:clearing", -1.5)])  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["shop:0:pending", "shop:x:pending", "shop:1:secret", "bank", "supplier:1:payable:x"])
def test_unknown_account_codes_are_refused(code):
    with pytest.raises(PostingError, match="unknown account"):
        account_type(code)


def test_account_types_follow_the_chart():
    assert account_type("shop:9:available") is AccountType.LIABILITY
    assert account_type("supplier:3:payable") is AccountType.ASSET
    assert account_type("platform:revenue") is AccountType.REVENUE
    assert AccountType.ASSET.debit_normal and not AccountType.LIABILITY.debit_normal


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9).filter(bool), min_size=1, max_size=8))
def test_a_reversal_undoes_its_posting_exactly(amounts):
    lines = [EntryLine(f"shop:{i + 1}:pending", amount) for i, amount in enumerate(amounts)]
    reversed_lines = reversal_of(lines)
    assert all(a.amount + b.amount == 0 and a.account == b.account for a, b in zip(lines, reversed_lines, strict=True))
