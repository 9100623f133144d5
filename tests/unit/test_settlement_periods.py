"""A month of commission and settlement from the ledger's movements (distro/settlement/periods.py)."""

import datetime as dt

import pytest

from distro.settlement.periods import Movement, month_of, period_report

NOVEMBER = dt.date(2026, 11, 1)


def accrual(kind, pool, owner, supplier_id=7, bucket="shop_pending"):
    """The movements of a commission posting of kind: supplier payable, shop, platform (debit positive)."""
    return [
        Movement(kind, False, "supplier_payable", pool, supplier_id),
        Movement(kind, False, bucket, -owner),
        Movement(kind, False, "platform_revenue", owner - pool),
    ]


def test_a_month_is_written_year_dash_month():
    assert month_of("2026-11") == NOVEMBER
    for wrong in ("2026-13", "2026-1", "26-11", "2026-11-01", "1969-12", "9000-01", "2026-11\n"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_of(wrong)


def test_a_month_shows_what_was_accrued_reversed_clawed_back_and_paid():
    movements = [
        *accrual("accrual", 10_000, 6_000),
        *accrual("accrual", 20_000, 12_000, supplier_id=8),
        *accrual("reversal", -2_000, -1_200),  # a refund before settlement
        Movement("release", False, "shop_pending", 10_800),
        Movement("release", False, "shop_available", -10_800),
        Movement("payout_reserve", False, "shop_available", 10_800),
        Movement("payout_reserve", False, "payouts_clearing", -10_800),
        Movement("payout_paid", False, "payouts_clearing", 10_800),
        Movement("payout_paid", False, "cash", -10_800),
        *accrual("clawback", -5_000, -3_000, bucket="shop_available"),  # a refund after payment
    ]
    report = period_report(NOVEMBER, movements)
    assert report["month"] == "2026-11"
    assert report["accrued"] == {"pool_fen": 30_000, "owner_fen": 18_000, "platform_fen": 12_000}
    assert report["reversed"] == {"pool_fen": 2_000, "owner_fen": 1_200, "platform_fen": 800}
    assert report["clawed_back"] == {"pool_fen": 5_000, "owner_fen": 3_000, "platform_fen": 2_000}
    assert (report["released_fen"], report["reserved_fen"], report["paid_fen"]) == (10_800, 10_800, 10_800)
    assert report["owed_to_owners_change_fen"] == 18_000 - 1_200 - 3_000 - 10_800
    assert report["ties_out"] is True
    assert report["owed_by_supplier"] == [
        {
            "supplier_id": 7,
            "accrued_fen": 10_000,
            "reversed_fen": 2_000,
            "clawed_back_fen": 5_000,
            "remitted_fen": 0,
            "owed_fen": 3_000,
        },
        {
            "supplier_id": 8,
            "accrued_fen": 20_000,
            "reversed_fen": 0,
            "clawed_back_fen": 0,
            "remitted_fen": 0,
            "owed_fen": 20_000,
        },
    ]


def test_failed_and_cancelled_payouts_return_to_the_shops_and_owners_are_owed_them_still():
    movements = [
        Movement("payout_failed", False, "payouts_clearing", 6_000),
        Movement("payout_failed", False, "shop_available", -6_000),
        Movement("payout_cancel", False, "payouts_clearing", 1_000),
        Movement("payout_cancel", False, "shop_available", -1_000),
    ]
    report = period_report(NOVEMBER, movements)
    assert (report["failed_returned_fen"], report["cancelled_returned_fen"]) == (6_000, 1_000)
    assert (report["owed_to_owners_change_fen"], report["ties_out"]) == (0, True)


def test_a_manual_adjustment_is_shown_apart_and_still_ties_out():
    movements = [
        Movement("adjustment", True, "shop_available", -500),
        Movement("adjustment", True, "platform_adjustments", 500),
        Movement("reversal", True, "shop_available", 500),  # finance reversing it
        Movement("reversal", True, "platform_adjustments", -500),
    ]
    report = period_report(NOVEMBER, movements)
    assert report["reversed"] == {"pool_fen": 0, "owner_fen": 0, "platform_fen": 0}
    assert (report["adjustments_to_owners_fen"], report["ties_out"]) == (0, True)


def test_a_posting_kind_the_view_does_not_know_is_named_and_does_not_tie_out():
    movements = [Movement("mystery", False, "shop_available", -1), Movement("mystery", False, "cash", 1)]
    report = period_report(NOVEMBER, movements)
    assert (report["unclassified_kinds"], report["ties_out"]) == (["mystery"], False)


def test_an_empty_month_is_all_zero_and_ties_out():
    report = period_report(NOVEMBER, [])
    assert report["accrued"] == {"pool_fen": 0, "owner_fen": 0, "platform_fen": 0}
    assert (report["paid_fen"], report["owed_by_supplier"], report["ties_out"]) == (0, [], True)


def test_a_suppliers_remittance_counts_as_remitted_and_the_month_still_ties_out():
    report = period_report(
        dt.date(2026, 11, 1),
        [
            Movement("accrual", False, "supplier_payable", 10_000, 7),
            Movement("accrual", False, "shop_pending", -8_000),
            Movement("accrual", False, "platform_revenue", -2_000),
            Movement("supplier_remittance", False, "cash", 6_000),
            Movement("supplier_remittance", False, "supplier_payable", -6_000, 7),
        ],
    )
    assert report["ties_out"] is True and report["unclassified_kinds"] == []
    [supplier] = report["owed_by_supplier"]
    assert supplier["remitted_fen"] == 6_000 and supplier["owed_fen"] == 4_000
